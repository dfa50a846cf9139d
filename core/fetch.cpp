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

namespace {

fetch_result failure(const fetch_item& item, const error& err) {
  fetch_result r;
  r.index = item.index;
  r.code = err.code;
  r.error = err.message;
  r.complete = true;
  return r;
}

} // namespace

fetch_reply serve_fetch(const object_store& store, const fetch_request& req) {
  fetch_reply reply;
  uint64_t budget = req.budget;
  for (auto& item : req.items) {
    auto what = display_name(item.bucket, item.objname);
    if (!item.archpath.empty()) {
      reply.results.push_back(failure(
          item,
          make_error(ec::invalid_argument,
                     "archpath \"" + item.archpath + "\" in " + what
                         + ": reading files inside shards is not supported "
                           "by this server version")));
      continue;
    }
    auto obj = store.open(item.bucket, item.objname);
    if (!obj) {
      reply.results.push_back(failure(item, obj.error()));
      continue;
    }
    auto total = resolve_range(item.start, item.length, obj->meta().size, what);
    if (!total) {
      reply.results.push_back(failure(item, total.error()));
      continue;
    }
    fetch_result r;
    r.index = item.index;
    r.total = *total;
    r.offset = item.skip;
    r.mtime_sec = obj->meta().mtime_ns / 1'000'000'000;
    if (req.stat_only) {
      r.complete = true;
      reply.results.push_back(std::move(r));
      continue;
    }
    auto remaining = item.skip < *total ? *total - item.skip : 0;
    auto want = std::min(remaining, budget);
    if (want == 0 && remaining > 0)
      break; // the budget is spent: the work item asks again
    r.data.resize(want);
    auto pos = static_cast<uint64_t>(item.start) + item.skip;
    size_t got = 0;
    while (got < want) {
      auto n = ::pread(obj->fd(), r.data.data() + got, want - got,
                       static_cast<off_t>(pos + got));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        auto msg = n < 0 ? std::string{std::strerror(errno)}
                         : std::string{"the object shrank while reading"};
        reply.results.push_back(
            failure(item, make_error(ec::io_error,
                                     "cannot read " + what + ": " + msg)));
        r.data.clear();
        break;
      }
      got += static_cast<size_t>(n);
    }
    if (got < want)
      continue;
    budget -= want;
    r.complete = item.skip + want == *total;
    reply.results.push_back(std::move(r));
    if (!reply.results.back().complete)
      break;
  }
  return reply;
}

} // namespace moss
