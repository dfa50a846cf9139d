#pragma once

#include "actors/actors.hpp"
#include "archive/writer.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace moss {

struct serializer_state {
  std::unique_ptr<archive::writer> writer;
  /// Archive bytes not yet pulled, in order, with the window bytes (entry
  /// bytes and their framing) each one completes, credited back to the work
  /// item once pulled.
  struct output {
    piece bytes;
    uint64_t credit = 0;
  };
  std::deque<output> out;
  bool ready = false;
  bool done = false;
  bool answered_once = false;
  /// Entry bytes went into a compressor since its last flush.
  bool dirty = false;
  std::string metadata;
  caf::error failure;
  caf::typed_response_promise<pull_reply> pending;
  bool has_pending = false;
  /// When the pending pull arrived (its wait is the batch's rx wait).
  std::chrono::steady_clock::time_point pull_since;
  work_item_actor work_item;
  static inline const char* name = "serializer";
};

/// Writes the in-order slices of one work item as an archive of `fmt` and
/// hands the bytes to the one HTTP connection that pulls them. A pull waits
/// until there are bytes, the batch is ready to start (first pull only), done,
/// or failed.
serializer_actor::behavior_type
serializer(serializer_actor::stateful_pointer<serializer_state> self,
           archive_format fmt);

} // namespace moss
