#include "actors/target/fetch_reader.hpp"

#include "archive/tar_index.hpp"
#include "core/hrw.hpp"
#include "core/metrics.hpp"
#include "core/names.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace moss {

namespace {

std::atomic<uint64_t> process_scans{0};

/// Smaller object parts are read into memory: copying them costs less than
/// a descriptor and a separate write each, and it keeps the number of open
/// descriptors per work item at window_bytes / 256 KiB at most.
constexpr uint64_t min_file_span = 256 * 1024;

} // namespace

void member_cache::count_scan() {
  ++scans_;
  ++process_scans;
  metrics::add_shard_read();
}

uint64_t member_cache::total_scans() {
  return process_scans.load();
}

std::shared_ptr<const std::string> member_cache::get(const std::string& key) {
  std::lock_guard guard{mtx_};
  auto it = index_.find(key);
  if (it == index_.end())
    return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void member_cache::put(const std::string& key,
                       std::shared_ptr<const std::string> data) {
  if (data->size() > capacity_)
    return;
  std::lock_guard guard{mtx_};
  if (index_.count(key) > 0)
    return;
  bytes_ += data->size();
  lru_.emplace_front(key, std::move(data));
  index_[key] = lru_.begin();
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
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

/// An existence check's answer for `item`, of `size` (or why not).
fetch_result stat_result(const fetch_item& item, expected<uint64_t> size) {
  auto total = size ? resolve_range(item.start, item.length, *size,
                                    display_name(item.bucket, item.objname))
                    : expected<uint64_t>{size.error()};
  if (!total)
    return failure(item, total.error());
  fetch_result r;
  r.index = item.index;
  r.offset = item.skip;
  r.total = *total;
  r.complete = true;
  return r;
}

std::string cache_key(const std::string& path, const object_meta& meta,
                      std::string_view member) {
  return path + '\0' + std::to_string(meta.version) + '\0'
         + std::to_string(meta.mtime_ns) + '\0' + std::string{member};
}

/// The member index of a plain TAR shard: read from
/// `<mountpath>/.moss/shardidx/`, or built (one walk over the headers) and
/// stored there. The stored index names the shard's version, mtime and
/// size, so a rewritten shard never uses a stale one.
expected<archive::tar_index> tar_index_for(const object_store& store,
                                           const fetch_item& item,
                                           const open_object& obj,
                                           member_cache& cache,
                                           const std::string& what) {
  auto dir = store.mountpath_of(item.bucket, item.objname) + "/.moss/shardidx";
  auto file = dir + "/"
              + checksum_hex(
                  hrw_digest(object_uname("ais", item.bucket, item.objname)));
  auto& m = obj.meta();
  auto stamp = std::to_string(m.version) + ' ' + std::to_string(m.mtime_ns)
               + ' ' + std::to_string(m.size) + '\n';
  {
    std::ifstream in{file, std::ios::binary};
    std::stringstream text;
    text << in.rdbuf();
    auto s = text.str();
    if (in && s.compare(0, stamp.size(), stamp) == 0)
      if (auto idx
          = archive::decode_tar_index(std::string_view{s}.substr(stamp.size())))
        return idx;
  }
  cache.count_scan();
  auto idx = archive::build_tar_index(obj.fd(), m.size, what);
  if (!idx)
    return idx;
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  auto tmp = file + ".tmp";
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out << stamp << archive::encode_tar_index(*idx);
  }
  std::filesystem::rename(tmp, file, ignored);
  return idx;
}

/// One shard's files for this request: from the cache, or by one scan.
class shard_view {
 public:
  shard_view(const object_store& store, member_cache& cache,
             const archive::shard_limits& limits)
      : store_(store), cache_(cache), limits_(limits) {
    // nop
  }

  /// The file `archpath` of shard `bucket/objname`; loads every file of the
  /// same shard that `req` wants in the same pass.
  expected<std::shared_ptr<const std::string>> member(const fetch_request& req,
                                                      const fetch_item& item,
                                                      object_meta& shard_meta) {
    auto what = display_name(item.bucket, item.objname);
    auto opened = open_shard(item);
    if (!opened)
      return opened.error();
    auto* obj = *opened;
    shard_meta = obj->meta();
    auto path = store_.path_of(item.bucket, item.objname);
    auto name = std::string{archive::normalize_member_name(item.archpath)};
    auto key = cache_key(path, obj->meta(), name);
    if (auto hit = cache_.get(key))
      return hit;
    if (auto it = local_.find(key); it != local_.end())
      return it->second;
    if (scanned_.count(key) > 0)
      return missing(item, what);
    // Everything this request wants from the same shard, in one pass.
    std::set<std::string> wanted;
    for (auto& other : req.items)
      if (!other.archpath.empty() && other.bucket == item.bucket
          && other.objname == item.objname) {
        auto n = std::string{archive::normalize_member_name(other.archpath)};
        if (!cache_.get(cache_key(path, obj->meta(), n)))
          wanted.insert(std::move(n));
      }
    char head[512];
    auto got = ::pread(obj->fd(), head, sizeof(head), 0);
    auto fmt = archive::detect_shard_format(
        item.objname, std::string_view{head, got > 0 ? size_t(got) : 0}, what);
    if (!fmt)
      return fmt.error();
    if (*fmt == archive::shard_format::tar) {
      // Plain TAR: look the files up in the index and read them in place.
      auto idx = tar_index_for(store_, item, *obj, cache_, what);
      if (!idx)
        return idx.error();
      for (auto& n : wanted) {
        scanned_.insert(cache_key(path, obj->meta(), n));
        auto it = idx->find(n);
        if (it == idx->end())
          continue;
        if (it->second.size > limits_.max_member_bytes)
          return make_error(ec::too_large,
                            n + " in " + what + " is larger than "
                                + std::to_string(limits_.max_member_bytes)
                                + " bytes");
        std::string data(it->second.size, '\0');
        if (!pread_all(obj->fd(), data.data(), data.size(), it->second.offset))
          return make_error(ec::io_error, "cannot read " + n + " in " + what);
        auto shared = std::make_shared<const std::string>(std::move(data));
        auto k = cache_key(path, obj->meta(), n);
        cache_.put(k, shared);
        local_[k] = std::move(shared);
      }
      if (auto it = local_.find(key); it != local_.end())
        return it->second;
      return missing(item, what);
    }
    cache_.count_scan();
    auto hits = archive::extract_members(
        obj->fd(), obj->meta().size, *fmt, wanted,
        [&](const std::string& member, std::string data) {
          auto shared = std::make_shared<const std::string>(std::move(data));
          auto k = cache_key(path, obj->meta(), member);
          cache_.put(k, shared);
          local_[k] = std::move(shared);
        },
        limits_, what);
    if (!hits)
      return hits.error();
    for (auto& n : wanted)
      scanned_.insert(cache_key(path, obj->meta(), n));
    if (auto it = local_.find(key); it != local_.end())
      return it->second;
    return missing(item, what);
  }

 private:
  /// The shard, opened once per request however many of its files it wants.
  expected<open_object*> open_shard(const fetch_item& item) {
    auto key = item.bucket + '\0' + item.objname;
    if (auto it = opened_.find(key); it != opened_.end())
      return &it->second;
    auto obj = store_.open(item.bucket, item.objname);
    if (!obj)
      return obj.error();
    return &opened_.emplace(key, std::move(*obj)).first->second;
  }

  static error missing(const fetch_item& item, const std::string& what) {
    return make_error(ec::not_found,
                      item.archpath + " in " + what + " does not exist");
  }

  const object_store& store_;
  member_cache& cache_;
  const archive::shard_limits& limits_;
  /// Files found in this request (kept even when too large to cache).
  std::map<std::string, std::shared_ptr<const std::string>> local_;
  /// Keys this request already looked for in a scan.
  std::set<std::string> scanned_;
  /// Shards opened by this request, by bucket and name.
  std::map<std::string, open_object> opened_;
};

} // namespace

std::optional<fetch_reply> answer_from_known_sizes(const object_store& store,
                                                   const fetch_request& req) {
  if (!req.stat_only)
    return std::nullopt;
  fetch_reply reply;
  reply.results.reserve(req.items.size());
  for (auto& item : req.items) {
    if (!item.archpath.empty())
      return std::nullopt;
    auto size = store.known_size(item.bucket, item.objname);
    if (!size)
      return std::nullopt;
    reply.results.push_back(stat_result(item, *size));
  }
  return reply;
}

fetch_reply serve_fetch(const object_store& store, const fetch_request& req,
                        member_cache& cache,
                        const archive::shard_limits& limits,
                        span_registry* spans) {
  fetch_reply reply;
  uint64_t budget = req.budget;
  shard_view shards{store, cache, limits};
  for (auto& item : req.items) {
    auto what = display_name(item.bucket, item.objname);
    fetch_result r;
    r.index = item.index;
    r.offset = item.skip;
    // Either a file inside a shard (in memory) or the object itself (fd).
    std::shared_ptr<const std::string> member;
    std::optional<open_object> obj;
    uint64_t size = 0;
    object_meta meta;
    if (req.stat_only && item.archpath.empty()) {
      // Existence and range only: one stat, no open.
      reply.results.push_back(
          stat_result(item, store.size_of(item.bucket, item.objname)));
      continue;
    }
    if (!item.archpath.empty()) {
      auto m = shards.member(req, item, meta);
      if (!m) {
        reply.results.push_back(failure(item, m.error()));
        continue;
      }
      member = std::move(*m);
      size = member->size();
      what = item.archpath + " in " + what;
    } else {
      auto o = store.open(item.bucket, item.objname);
      if (!o) {
        reply.results.push_back(failure(item, o.error()));
        continue;
      }
      obj.emplace(std::move(*o));
      meta = obj->meta();
      size = meta.size;
    }
    r.mtime_sec = meta.mtime_ns / 1'000'000'000;
    r.identity = identity_of(meta);
    if (item.identity != 0 && item.identity != r.identity) {
      reply.results.push_back(failure(
          item, make_error(ec::conflict, display_name(item.bucket, item.objname)
                                             + " changed while it was being "
                                               "read")));
      continue;
    }
    auto total = resolve_range(item.start, item.length, size, what);
    if (!total) {
      reply.results.push_back(failure(item, total.error()));
      continue;
    }
    r.total = *total;
    if (req.stat_only) {
      r.complete = true;
      reply.results.push_back(std::move(r));
      continue;
    }
    auto remaining = item.skip < *total ? *total - item.skip : 0;
    auto want = std::min(remaining, budget);
    if (want == 0 && remaining > 0)
      break; // the budget is spent: the work item asks again
    // An entry that fits a whole request is not split across two: each
    // part is a separate read, and the object may change in between.
    if (want < remaining && item.skip == 0 && remaining <= req.budget
        && !reply.results.empty())
      break;
    auto pos = static_cast<uint64_t>(item.start) + item.skip;
    bool spans_wanted = req.file_spans || (req.peer_spans && spans != nullptr);
    if (!member && spans_wanted && want >= min_file_span) {
      // The fd stays open as long as the span lives: a PUT that replaces
      // the object meanwhile renames a new file in, this one is unchanged.
      int fd = ::fcntl(obj->fd(), F_DUPFD_CLOEXEC, 0);
      if (fd >= 0)
        r.file = std::make_shared<const file_span>(fd, pos, want);
      if (r.file && !req.file_spans) {
        r.span_token = spans->put(std::move(r.file));
        r.span_length = want;
        r.span_handoff = spans->handoff();
        r.file = nullptr;
      }
    }
    // A span is read by sendfile when its turn comes; anything else now.
    if (member) {
      r.data.assign(*member, pos, want);
    } else if (!r.file && r.span_token.empty()) {
      r.data.resize(want);
      if (!pread_all(obj->fd(), r.data.data(), want, pos)) {
        reply.results.push_back(failure(
            item, make_error(ec::io_error, "cannot read " + what
                                               + ": it shrank or the disk "
                                                 "failed")));
        continue;
      }
    }
    budget -= want;
    r.complete = item.skip + want == *total;
    reply.results.push_back(std::move(r));
    if (!reply.results.back().complete)
      break;
  }
  return reply;
}

} // namespace moss
