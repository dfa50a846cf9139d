#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace moss {

/// What a work item fetches from one owning target.
struct job_fetch {
  std::string target;
  /// Entries this target owns in the batch, and how many it delivered.
  uint32_t entries = 0;
  uint32_t delivered = 0;
  /// Fetch requests in flight.
  int inflight = 0;
  bool lost = false;
};

/// A snapshot of one GetBatch work item, for the console and `moss show job`.
struct job_view {
  std::string uuid;
  /// checking (strict existence check), running, done or failed.
  std::string state = "running";
  std::string format;
  bool streaming = false;
  uint32_t entries = 0;
  /// Entries handed to the serializer (the write cursor).
  uint32_t cursor = 0;
  /// Payload bytes handed to the serializer so far, in request order.
  uint64_t payload_bytes = 0;
  /// Archive bytes the connection sent to the client.
  uint64_t archive_bytes = 0;
  /// Bytes held ahead of the cursor: reserved for fetches, buffered,
  /// waiting in the serializer (the reassembly buffer and its credit).
  uint64_t window_bytes = 0;
  uint64_t reserved_bytes = 0;
  uint64_t serializer_bytes = 0;
  uint64_t peak_window_bytes = 0;
  /// Time the connection waited for archive bytes.
  uint64_t rx_wait_ns = 0;
  /// Time the work item paused on the load advice.
  uint64_t throttle_ns = 0;
  int soft_errors = 0;
  int gfn_attempts = 0;
  /// Wall-clock start (ms since the epoch) and age or duration in seconds.
  int64_t started_ms = 0;
  double seconds = 0;
  std::string error;
  std::vector<job_fetch> fetches;
};

/// The work items of one node: live ones by uuid, and the last finished or
/// failed ones. Written by work items and connections, read by the console.
class job_board {
 public:
  explicit job_board(size_t keep_recent = 32) : keep_recent_(keep_recent) {
    // nop
  }

  /// Adds or replaces the live job `v.uuid`, keeping what the connection
  /// reported (archive bytes, rx-wait).
  void publish(const job_view& v);

  /// Adds to the connection's share of a live job (no-op if unknown).
  void add_transfer(const std::string& uuid, uint64_t archive_bytes,
                    uint64_t rx_wait_ns);

  /// Moves a job to the recent list with its final state.
  void retire(const job_view& v);

  std::vector<job_view> active() const;
  /// Most recent first.
  std::vector<job_view> recent() const;

 private:
  mutable std::mutex mtx_;
  size_t keep_recent_;
  std::vector<job_view> live_;
  std::deque<job_view> recent_;
};

/// Wall-clock milliseconds since the epoch (job start times, reports).
int64_t unix_time_ms();

class json_writer;

/// Writes `v` as one JSON object.
void write_job_json(json_writer& w, const job_view& v);

} // namespace moss
