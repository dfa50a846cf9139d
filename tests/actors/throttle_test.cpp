#include "actors/system_config.hpp"
#include "actors/throttle/throttle.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <deque>

namespace moss {
namespace {

using namespace std::chrono_literals;

class throttle_test : public ::testing::Test {
 protected:
  throttle_test()
      : sys(cfg), sched(dynamic_cast<caf::scheduler::test_coordinator&>(
                      sys.scheduler())) {
    // nop
  }

  ~throttle_test() override {
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
    sched.run();
  }

  test_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  throttle_actor handle;
};

TEST_F(throttle_test, publishes_advice_for_every_sample_on_its_timer) {
  auto samples = std::make_shared<std::deque<load_sample>>();
  for (uint64_t pending : {1, 100, 300, 2}) {
    load_sample s;
    s.mem_total = 100;
    s.mem_available = 50;
    s.pending = pending;
    samples->push_back(s);
  }
  advice_board board;
  handle = sys.spawn(throttle, std::function<load_sample()>{[samples] {
                       auto s = samples->front();
                       if (samples->size() > 1)
                         samples->pop_front();
                       return s;
                     }},
                     std::function<load_marks()>{[] {
                       return load_marks{};
                     }},
                     &board, 250ms);
  sched.run();
  EXPECT_EQ(board.current().level, load_level::ok) << "sampled at start";
  std::vector<load_level> seen;
  for (int i = 0; i < 3; ++i) {
    sched.advance_time(250ms);
    sched.run();
    seen.push_back(board.current().level);
  }
  EXPECT_EQ(seen, (std::vector<load_level>{
                      load_level::high, load_level::critical, load_level::ok}));
  EXPECT_EQ(board.last_sample().pending, 2u);
}

} // namespace
} // namespace moss
