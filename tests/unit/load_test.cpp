#include "core/load.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

load_sample calm() {
  load_sample s;
  s.mem_total = 100;
  s.mem_available = 60;
  s.cpu_pct = 20;
  s.disk_pct = 10;
  s.pending = 3;
  return s;
}

TEST(load, calm_load_admits_without_delay) {
  auto a = advise(calm(), load_marks{});
  EXPECT_EQ(a.level, load_level::ok);
  EXPECT_EQ(a.sleep_ms, 0u);
}

TEST(load, pending_work_items_use_aistore_marks) {
  auto s = calm();
  s.pending = 96;
  auto high = advise(s, load_marks{});
  EXPECT_EQ(high.level, load_level::high);
  EXPECT_EQ(high.sleep_ms, 10u);
  s.pending = 256;
  auto crit = advise(s, load_marks{});
  EXPECT_EQ(crit.level, load_level::critical);
  EXPECT_NE(crit.reason.find("256"), std::string::npos);
}

TEST(load, memory_is_a_hard_limit) {
  auto s = calm();
  s.mem_available = 5; // 95% used
  EXPECT_EQ(advise(s, load_marks{}).level, load_level::high);
  s.mem_available = 2; // 98% used
  auto a = advise(s, load_marks{});
  EXPECT_EQ(a.level, load_level::critical);
  EXPECT_NE(a.reason.find("memory"), std::string::npos);
}

TEST(load, cpu_and_disk_only_slow_down) {
  auto s = calm();
  s.cpu_pct = 99;
  auto cpu = advise(s, load_marks{});
  EXPECT_EQ(cpu.level, load_level::high);
  EXPECT_EQ(cpu.sleep_ms, 1u) << "a nudge: the batches keep the CPU busy";
  s = calm();
  s.disk_pct = 85;
  auto busy = advise(s, load_marks{});
  EXPECT_EQ(busy.level, load_level::high);
  EXPECT_EQ(busy.sleep_ms, 1u);
  s.disk_pct = 100;
  auto saturated = advise(s, load_marks{});
  EXPECT_EQ(saturated.level, load_level::high);
  EXPECT_EQ(saturated.sleep_ms, 100u);
}

TEST(load, the_sampler_reads_this_machine) {
  load_sampler sampler{{"/"}};
  auto first = sampler.sample(7);
  EXPECT_EQ(first.pending, 7u);
  EXPECT_GT(first.mem_total, 0u);
  EXPECT_LE(first.mem_available, first.mem_total);
  auto second = sampler.sample(0);
  EXPECT_GE(second.cpu_pct, 0.0);
  EXPECT_LE(second.cpu_pct, 100.0);
}

} // namespace
} // namespace moss
