#include "core/fetch.hpp"

#include "core/names.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace moss {

expected<uint64_t> resolve_range(int64_t start, int64_t length, uint64_t size,
                                 const std::string& what) {
  auto bad = [&] {
    return make_error(ec::range_not_satisfiable,
                      "range start=" + std::to_string(start)
                          + " length=" + std::to_string(length) + " is outside "
                          + what + " (" + std::to_string(size) + " bytes)");
  };
  auto ustart = static_cast<uint64_t>(start);
  if (length == 0 && start == 0)
    return size;
  if (length == -1) {
    if (ustart > size || (ustart == size && size != 0))
      return bad();
    return size - ustart;
  }
  auto ulen = static_cast<uint64_t>(length);
  if (ustart >= size || ulen > size - ustart)
    return bad();
  return ulen;
}

void prefetch_entry(const object_store& store, const fetch_item& item,
                    uint64_t max_read) {
  int fd = ::open(store.path_of(item.bucket, item.objname).c_str(),
                  O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  // A file inside a shard can be anywhere in it: the whole shard is wanted.
  bool whole = !item.archpath.empty();
  auto offset = whole ? 0 : static_cast<uint64_t>(item.start) + item.skip;
  auto length
      = whole || item.length <= 0 ? 0 : static_cast<uint64_t>(item.length);
  ::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(length),
                  POSIX_FADV_WILLNEED);
  // The advice is asynchronous and may be ignored; reading the start makes
  // sure the first bytes, the ones the fetch needs first, are cached.
  thread_local std::vector<char> scratch(1 << 20);
  auto want = length == 0 ? max_read : std::min(length, max_read);
  uint64_t done = 0;
  while (done < want) {
    auto n = std::min<uint64_t>(want - done, scratch.size());
    auto got
        = ::pread(fd, scratch.data(), n, static_cast<off_t>(offset + done));
    if (got <= 0)
      break;
    done += static_cast<uint64_t>(got);
  }
  ::close(fd);
}

} // namespace moss
