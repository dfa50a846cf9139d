#pragma once

#include "actors/actors.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace moss {

/// Pre-reads one entry (the target passes `prefetch_entry` on its store).
using prefetch_fn = std::function<void(const fetch_item&)>;

/// How the warm-up pool behaves.
struct warmup_config {
  /// Most readers the pool grows to, whatever work items ask for.
  uint32_t max_readers = 10;
  /// Entries waiting per reader; more are dropped, never queued.
  uint32_t queue_per_reader = 64;
  /// Readers get their own threads (disk waits block no scheduler thread);
  /// tests run them on the test scheduler instead.
  bool detached = true;
};

struct warmup_state {
  warmup_config cfg;
  prefetch_fn prefetch;
  std::vector<warmup_reader_actor> readers;
  /// Readers without an entry, by index into `readers`.
  std::vector<uint32_t> idle;
  std::deque<fetch_item> queue;
  uint64_t done = 0;
  uint64_t dropped = 0;
  static inline const char* name = "warmup";
};

/// The look-ahead pool of a target: while a work item waits for an entry,
/// it names the entries it will ask this target for next, and up to
/// `warm_request::workers` readers pull them into the page cache so the
/// fetch that follows reads memory, not disk. The pool grows to what work
/// items ask for (at most `max_readers`); entries that find it busy are
/// dropped, as a hint may be.
warmup_actor::behavior_type
warmup(warmup_actor::stateful_pointer<warmup_state> self, warmup_config cfg,
       prefetch_fn prefetch);

} // namespace moss
