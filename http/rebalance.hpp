#pragma once

#include "core/cluster_view.hpp"
#include "core/object_store.hpp"
#include "http/client.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace moss::http {

/// What one target's rebalance did so far.
struct rebalance_progress {
  bool running = false;
  /// Passes started since the target started.
  uint64_t passes = 0;
  /// Local objects looked at, moved to their owner, found at their owner
  /// already (a newer copy: the local one is dropped), failed to move.
  uint64_t scanned = 0;
  uint64_t moved = 0;
  uint64_t superseded = 0;
  uint64_t failed = 0;
  uint64_t moved_bytes = 0;
  /// The cluster map version the pass placed objects by.
  int64_t map_version = 0;
  /// In that map, this target was leaving: the pass moved everything off.
  bool while_leaving = false;
  std::string last_error;
};

/// Moves every local object that another target owns (by HRW under the
/// current map) to that target: PUT there create-only (`If-None-Match: *`,
/// so a newer copy written meanwhile wins), then delete the local copy.
/// Until it has, the owner finds the object here (GET redirects, GetBatch
/// asks the other targets), so nothing is ever missing. One pass at a time,
/// on its own thread.
class rebalancer {
 public:
  /// @param join_token signs the PUTs to other targets (empty: unsigned).
  rebalancer(object_store* store, const cluster_view* view, std::string self_id,
             std::string join_token = {});
  ~rebalancer();
  rebalancer(const rebalancer&) = delete;
  rebalancer& operator=(const rebalancer&) = delete;

  /// Starts a pass; false if one is running already.
  bool start();

  rebalance_progress progress() const;

  /// Waits for the running pass, if any.
  void wait();

 private:
  void run();
  void move_one(const cluster_map& map, const std::string& bucket,
                const std::string& name);

  /// Used by the pass's thread only.
  session session_{std::chrono::seconds(60)};
  object_store* store_;
  const cluster_view* view_;
  std::string self_id_;
  std::string join_token_;
  mutable std::mutex mtx_;
  rebalance_progress progress_;
  std::thread worker_;
  std::atomic<bool> stop_{false};
};

/// `progress` as a JSON object.
std::string rebalance_json(const rebalance_progress& progress);

} // namespace moss::http
