#pragma once

#include "actors/actors.hpp"
#include "core/load.hpp"

#include <chrono>
#include <functional>

namespace moss {

/// The THROTTLE actor interface: samples load on a timer.
using throttle_actor = caf::typed_actor<
    // Takes a sample and publishes new advice, then re-arms the timer.
    caf::reacts_to<atom::tick>>;

struct throttle_state {
  std::function<load_sample()> sample;
  std::function<load_marks()> marks;
  advice_board* board = nullptr;
  std::chrono::milliseconds interval{250};
  load_level last = load_level::ok;
  static inline const char* name = "throttle";
};

/// Samples the target's load every `interval` (a burst is seen within a
/// second, not within a minute) and publishes advice on `board`, where
/// admission and work items read it.
/// @param sample takes one reading (injected, so tests can feed samples).
/// @param marks the marks in force (they may change at runtime).
throttle_actor::behavior_type
throttle(throttle_actor::stateful_pointer<throttle_state> self,
         std::function<load_sample()> sample, std::function<load_marks()> marks,
         advice_board* board, std::chrono::milliseconds interval);

} // namespace moss
