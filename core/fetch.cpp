#include "core/fetch.hpp"

#include "core/names.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

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

} // namespace moss
