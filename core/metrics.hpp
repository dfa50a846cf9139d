#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moss::metrics {

/// Creates this node's metric families; `node_id` becomes the `node_id`
/// label of every metric (dots turned into underscores, as AIStore does).
void init(const std::string& node_id);

/// What one finished (or failed) work item did, for AIStore's
/// `ais_target_getbatch_*` counters.
struct batch_outcome {
  bool failed = false;
  uint64_t objects = 0;
  uint64_t object_bytes = 0;
  uint64_t files = 0;
  uint64_t file_bytes = 0;
  uint64_t soft_errors = 0;
  uint64_t gfn_attempts = 0;
  uint64_t gfn_errors = 0;
  double seconds = 0;
};

void record_batch(const batch_outcome& outcome);

/// Time from request to the first archive byte on the wire.
void record_ttfb(double seconds);

/// A shard read from disk (and decompressed, if compressed) for its files.
void add_shard_read();

/// A peer span handed to a designated target on this host as a descriptor.
void add_span_handoff();

/// A fetch request a work item sent to an owning target (for entries or an
/// existence check), naming `entries` entries.
void add_fetch_request(size_t entries);

/// A GetBatch request refused with 429 (counted as an error, as in AIStore).
void record_rejected();

/// Time admission slept before a work item (`..._throttle_ns`).
void add_throttle_ns(uint64_t ns);

/// Time a connection waited for the next entry (`..._rxwait_ns`).
void add_rx_wait_ns(uint64_t ns);

/// Bytes held by work items ahead of their write cursor (a gauge).
void add_window_bytes(int64_t delta);

/// One HTTP request: method, route (e.g. `/v1/objects`), status, duration.
void record_http(const std::string& method, const std::string& route,
                 int status, double seconds);

/// The GetBatch counters and the window gauge by short name ("getbatch",
/// "obj_bytes", "rejected", ...), for the console.
std::vector<std::pair<std::string, double>> getbatch_counters();

/// All metrics in the Prometheus text format (0.0.4).
std::string render();

} // namespace moss::metrics
