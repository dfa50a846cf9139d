#pragma once

#include "archive/shard_reader.hpp"
#include "core/fetch.hpp"
#include "core/object_store.hpp"
#include "core/span_registry.hpp"

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace moss {

/// Files extracted from shards, shared by a target's fetch workers, so that
/// the entries of a batch that live in one shard cost one scan of it. Keys
/// include the shard's version and mtime: a rewritten shard is a new key.
class member_cache {
 public:
  explicit member_cache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {
    // nop
  }

  std::shared_ptr<const std::string> get(const std::string& key);

  void put(const std::string& key, std::shared_ptr<const std::string> data);

  /// Shards read from disk so far (each scan decompresses the shard once).
  uint64_t scans() const { return scans_.load(); }

  void count_scan();

  /// Shard scans of all caches of this process.
  static uint64_t total_scans();

 private:
  using entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  std::mutex mtx_;
  std::list<entry> lru_;
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
  uint64_t bytes_ = 0;
  uint64_t capacity_;
  std::atomic<uint64_t> scans_{0};
};

/// Serves a fetch request from the local store, in item order, until the
/// budget is spent; items it did not get to are left out of the reply.
/// Entries with an archpath are read from their shard, every wanted file of
/// one shard in a single pass.
/// Large object parts for another node's archive stay open in `spans` (when
/// not null and not full) and travel as tokens.
fetch_reply serve_fetch(const object_store& store, const fetch_request& req,
                        member_cache& cache,
                        const archive::shard_limits& limits,
                        span_registry* spans = nullptr);

/// The answer to an existence check (`stat_only`) of plain objects whose
/// sizes `store` remembers, without a system call; nothing when any entry is
/// a file in a shard or an object whose size is not known (a reader thread
/// must look at the disk then).
std::optional<fetch_reply> answer_from_known_sizes(const object_store& store,
                                                   const fetch_request& req);

} // namespace moss
