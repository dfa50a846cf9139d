// The shard readers (TAR, TGZ, TAR.LZ4, ZIP through libarchive, and the TAR
// member index): arbitrary bytes as a shard of every format give members or
// an error, within the limits, never a crash.
#include "archive/shard_reader.hpp"
#include "archive/tar_index.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

namespace {

int shard_fd(const uint8_t* data, size_t size) {
  static int fd = ::memfd_create("shard", MFD_CLOEXEC);
  ::ftruncate(fd, 0);
  ::pwrite(fd, data, size, 0);
  return fd;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace moss::archive;
  int fd = shard_fd(data, size);
  shard_limits limits;
  limits.max_member_bytes = 1 << 20;
  limits.max_ratio = 50;
  limits.ratio_floor_bytes = 1 << 20;
  const std::set<std::string> wanted{"a", "a.txt", "dir/b.bin",
                                     std::string(150, 'x')};
  for (auto fmt : {shard_format::tar, shard_format::tgz, shard_format::tar_lz4,
                   shard_format::zip}) {
    size_t calls = 0;
    auto found = extract_members(
        fd, size, fmt, wanted,
        [&](const std::string& name, std::string bytes) {
          ++calls;
          if (wanted.count(name) == 0 || bytes.size() > limits.max_member_bytes)
            std::abort();
        },
        limits, "ais://fuzz/shard");
    if (found && *found != calls)
      std::abort();
  }
  static_cast<void>(detect_shard_format(
      "shard", {reinterpret_cast<const char*>(data), size < 512 ? size : 512},
      "shard"));
  if (auto index = build_tar_index(fd, size, "ais://fuzz/shard")) {
    auto again = decode_tar_index(encode_tar_index(*index));
    if (!again)
      std::abort();
  }
  static_cast<void>(
      decode_tar_index({reinterpret_cast<const char*>(data), size}));
  return 0;
}
