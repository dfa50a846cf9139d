#include "actors/system_config.hpp"
#include "actors/warmup/warmup.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace moss {
namespace {

class warmup_test : public ::testing::Test {
 protected:
  warmup_test()
      : sys(cfg), sched(dynamic_cast<caf::scheduler::test_coordinator&>(
                      sys.scheduler())) {
    // nop
  }

  ~warmup_test() override {
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start(uint32_t max_readers, uint32_t queue_per_reader) {
    warmup_config wc;
    wc.max_readers = max_readers;
    wc.queue_per_reader = queue_per_reader;
    wc.detached = false; // readers run on the test scheduler
    pool = sys.spawn(warmup, wc, prefetch_fn{[this](const fetch_item& item) {
                       read.push_back(item.objname);
                     }});
    sched.run();
  }

  void hint(int32_t workers, std::vector<std::string> names) {
    warm_request req;
    req.workers = workers;
    for (auto& n : names)
      req.items.push_back(fetch_item{0, "b", n, "", 0, 0, 0});
    caf::anon_send(pool, atom::warm_v, std::move(req));
    sched.run();
  }

  std::pair<uint64_t, uint64_t> stats() {
    std::pair<uint64_t, uint64_t> result;
    caf::scoped_actor self{sys};
    self->send(pool, atom::stats_v);
    sched.run();
    self->receive([&](uint64_t done, uint64_t dropped) {
      result = {done, dropped};
    });
    return result;
  }

  test_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  warmup_actor pool;
  std::vector<std::string> read;
};

TEST_F(warmup_test, every_hinted_entry_is_read_once) {
  start(10, 64);
  hint(2, {"a", "b", "c", "d", "e"});
  auto got = read;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(stats(), (std::pair<uint64_t, uint64_t>{5, 0}));
}

TEST_F(warmup_test, a_busy_pool_drops_hints_instead_of_queueing_them) {
  start(10, 4);
  hint(1, {"a", "b", "c", "d", "e", "f", "g"});
  EXPECT_EQ(read, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(stats(), (std::pair<uint64_t, uint64_t>{4, 3}));
  hint(1, {"h"});
  EXPECT_EQ(read.back(), "h") << "room again once the reader caught up";
}

TEST_F(warmup_test, the_pool_grows_to_what_work_items_ask_within_its_cap) {
  start(2, 1);
  hint(0, {"a"});
  EXPECT_TRUE(read.empty()) << "no readers: warm-up is off";
  // Two readers at most, one waiting entry each: 2 of 6 fit.
  hint(8, {"a", "b", "c", "d", "e", "f"});
  EXPECT_EQ(read.size(), 2u);
  EXPECT_EQ(stats(), (std::pair<uint64_t, uint64_t>{2, 5}));
}

} // namespace
} // namespace moss
