#pragma once

#include "actors/actors.hpp"
#include "config/config.hpp"
#include "core/batch.hpp"
#include "core/jobs.hpp"
#include "core/load.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace moss {

/// Progress of one entry in the reassembly buffer: one per entry of the
/// batch (up to `get_batch.max_entries`), so it stays small; why an entry is
/// missing lives in `work_item_state::errors`.
struct entry_progress {
  /// Targets asked for this entry, one bit per slot: after a target joined,
  /// an object may still sit on its previous owner until a rebalance moves
  /// it, so a "not found" is asked of the others before it counts.
  uint64_t tried = 0;
  uint64_t total = 0;
  uint64_t received = 0;
  int64_t mtime_sec = 0;
  /// The version the received part belongs to (see `identity_of`).
  uint64_t identity = 0;
  /// Received bytes not yet handed to the serializer (a vector: an empty
  /// deque costs 576 bytes of heap).
  std::vector<piece> chunks;
  /// Index of the owning target in `work_item_state::targets` (or of the
  /// target that has it, when the owner does not: see `tried`).
  uint32_t target = 0;
  /// Times the entry started over because its object changed mid-read.
  uint8_t restarts = 0;
  bool requested = false;
  /// `total` and `mtime_sec` are known (the owner answered once).
  bool known = false;
  bool complete = false;
  bool header_sent = false;
  bool missing = false;
};

/// One target a work item fetches from.
struct fetch_target {
  std::string id;
  target_actor handle;
  /// `host:port` of its HTTP API (empty: unknown, no peer spans).
  std::string address;
  /// Entries it owns that are not complete yet, in request order.
  std::deque<uint32_t> queue;
  /// Entries it owns in the batch, and how many of them arrived (or are
  /// known to be missing).
  uint32_t owned = 0;
  uint32_t delivered = 0;
  int inflight = 0;
  bool lost = false;
  /// Entries up to this index were named to its warm-up pool already.
  int64_t warmed_up_to = -1;
  /// Size of the entry this target completed last (0: none yet), to guess
  /// how many entries fit one request.
  uint64_t typical_entry_bytes = 0;
  /// Entries the next request may name (grows with every answer).
  size_t request_items = 0;
  /// Asked for data while the existence check ran (once, own target only).
  bool prefetched = false;
  /// The designated target itself: reached without the middleman.
  bool own = false;
  /// Parts of the existence check not sent yet, and parts in flight.
  std::deque<std::vector<uint32_t>> check_parts;
  int checks_in_flight = 0;
};

/// Counts live work items of this process (for `what=getbatch`).
struct work_item_census {
  work_item_census();
  ~work_item_census();
  work_item_census(const work_item_census&) = delete;
  work_item_census& operator=(const work_item_census&) = delete;
  static size_t live();
};

/// What a work item reports to and reads from its node (either may be null).
struct work_item_services {
  /// Where the console sees this work item.
  job_board* jobs = nullptr;
  /// The throttle's advice, consulted before each new group of fetches.
  const advice_board* advice = nullptr;
};

struct work_item_state {
  work_item_census census;
  work_item_services services;
  std::shared_ptr<const batch_plan> plan;
  get_batch_config cfg;
  serializer_actor serializer;
  std::vector<entry_progress> entries;
  /// Why an entry is missing, by entry: the first reason given (its owner's
  /// answer, "x in shard y"), unless its target left the cluster.
  std::unordered_map<uint32_t, std::string> errors;
  std::vector<fetch_target> targets;
  /// The next entry to hand to the serializer.
  uint32_t cursor = 0;
  /// Bytes this batch holds or reserved: outstanding fetch budgets, the
  /// reassembly buffer, and what the serializer has not handed out yet.
  uint64_t held = 0;
  /// The part of `held` the serializer has and the client has not taken:
  /// entry bytes and the archive's framing around them.
  uint64_t in_serializer = 0;
  /// The part of `held` reserved for outstanding fetch requests.
  uint64_t reserved = 0;
  uint64_t peak_held = 0;
  int soft_errors = 0;
  int gfn_attempts = 0;
  int gfn_errors = 0;
  /// Entry bytes handed to the serializer.
  uint64_t payload_handed = 0;
  /// The strict existence check is still running.
  bool checking = false;
  /// New fetches wait until the advised pause is over.
  bool paused = false;
  uint64_t throttle_ns = 0;
  std::chrono::steady_clock::time_point next_advice_check;
  int64_t started_ms = 0;
  /// `held` as last reported to the window gauge.
  int64_t reported_window = 0;
  std::chrono::steady_clock::time_point started
      = std::chrono::steady_clock::now();
  bool outcome_reported = false;
  /// A work item cancelled from outside (client gone) still counts, as a
  /// failure, and gives its window bytes back to the gauge.
  ~work_item_state();
  bool failed = false;
  bool finished = false;
  static inline const char* name = "work-item";
};

/// Runs one GetBatch request on the designated target: fetches every entry
/// from its owner in groups and within a credit window, reorders the replies
/// and feeds the serializer in request order.
/// @param plan the validated request and each entry's owner.
/// @param ser the serializer that writes this batch's archive.
/// @param local the target actor of this node (for the peer table).
work_item_actor::behavior_type
work_item(work_item_actor::stateful_pointer<work_item_state> self,
          std::shared_ptr<const batch_plan> plan, serializer_actor ser,
          target_actor local, get_batch_config cfg,
          work_item_services services);

/// Why entry `idx` of the batch is missing.
const std::string& missing_reason(const work_item_state& st, uint32_t idx);

/// The `MossResp` JSON of a finished batch.
std::string batch_metadata(const work_item_state& st);

} // namespace moss
