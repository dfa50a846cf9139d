// The archive writers' inputs (member names, sizes, bytes, in any order of
// calls): every format writes without a crash, and a TAR written from any
// names and bytes reads back with the same members through the shard reader.
#include "archive/shard_reader.hpp"
#include "archive/writer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

/// Splits the input into (name, data) members: a length byte, the name,
/// a length byte, the data.
std::vector<std::pair<std::string, std::string>> members_of(const uint8_t* p,
                                                            size_t n) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < n && out.size() < 16) {
    size_t name_len = p[pos++];
    name_len = std::min(name_len, n - pos);
    std::string name(reinterpret_cast<const char*>(p + pos), name_len);
    pos += name_len;
    size_t data_len = 0;
    if (pos < n) {
      data_len = size_t{p[pos++]} * 16;
      data_len = std::min(data_len, n - pos);
    }
    std::string data(reinterpret_cast<const char*>(p + pos), data_len);
    pos += data_len;
    out.emplace_back(std::move(name), std::move(data));
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace moss;
  auto members = members_of(data, size);
  for (auto fmt : {archive_format::tar, archive_format::tgz,
                   archive_format::tar_lz4, archive_format::zip}) {
    auto w = archive::make_writer(fmt);
    std::string out;
    for (auto& [name, bytes] : members) {
      w->begin_entry(name, bytes.size(), 1700000000);
      w->write(bytes.data(), bytes.size());
      w->end_entry();
      out += w->take();
    }
    w->finish();
    out += w->take();
    if (fmt != archive_format::tar)
      continue;
    // Object names never hold a NUL byte (the API refuses them), and a TAR
    // name field ends at the first one: "x\0y" would read back as "x" and
    // shadow a later "x". Such inputs only check that writing works.
    bool nul_name = false;
    for (auto& m : members)
      nul_name = nul_name || m.first.find('\0') != std::string::npos;
    if (nul_name)
      continue;
    // Read the TAR back: every member with a name a shard may hold comes
    // out with its bytes (the first of duplicates wins).
    std::map<std::string, std::string> expected;
    std::set<std::string> wanted;
    for (auto& [name, bytes] : members) {
      if (name.empty() || name.back() == '/')
        continue;
      auto key = std::string{archive::normalize_member_name(name)};
      if (key.empty())
        continue;
      expected.emplace(key, bytes);
      wanted.insert(key);
    }
    int fd = ::memfd_create("tar", MFD_CLOEXEC);
    ::pwrite(fd, out.data(), out.size(), 0);
    auto found = archive::extract_members(
        fd, out.size(), archive::shard_format::tar, wanted,
        [&](const std::string& name, std::string bytes) {
          if (expected.at(name) != bytes)
            std::abort();
        },
        {}, "tar");
    ::close(fd);
    if (!found || *found != wanted.size())
      std::abort();
  }
  return 0;
}
