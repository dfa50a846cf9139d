#include "actors/throttle/throttle.hpp"

#include "core/log.hpp"

#include <caf/all.hpp>

namespace moss {

namespace {

void take_sample(throttle_actor::stateful_pointer<throttle_state> self) {
  auto& st = self->state;
  auto sample = st.sample();
  auto advice = advise(sample, st.marks());
  if (advice.level != st.last) {
    if (advice.level == load_level::ok)
      log::info("load is back to normal");
    else
      log::warn("load is ", to_string(advice.level), ": ", advice.reason);
    st.last = advice.level;
  }
  st.board->publish(sample, std::move(advice));
}

} // namespace

throttle_actor::behavior_type
throttle(throttle_actor::stateful_pointer<throttle_state> self,
         std::function<load_sample()> sample, std::function<load_marks()> marks,
         advice_board* board, std::chrono::milliseconds interval) {
  auto& st = self->state;
  st.sample = std::move(sample);
  st.marks = std::move(marks);
  st.board = board;
  st.interval = interval;
  take_sample(self);
  self->delayed_send(self, interval, atom::tick_v);
  return {
      [self](atom::tick) {
        take_sample(self);
        self->delayed_send(self, self->state.interval, atom::tick_v);
      },
  };
}

} // namespace moss
