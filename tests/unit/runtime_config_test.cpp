#include "config/runtime.hpp"
#include "core/jobs.hpp"
#include "core/json.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

using strings = std::vector<std::string>;

TEST(runtime_config, only_get_batch_settings_change_at_runtime) {
  EXPECT_TRUE(is_runtime_key("get_batch.max_soft_errs"));
  EXPECT_TRUE(is_runtime_key("get_batch.pending_high_wm"));
  EXPECT_FALSE(is_runtime_key("get_batch.load_interval"));
  EXPECT_FALSE(is_runtime_key("cluster.targets"));
  EXPECT_FALSE(is_runtime_key("get_batchx.max_wait"));
  auto refused = merge_runtime_overrides({}, {"http.read_timeout=5s"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("http.read_timeout"),
            std::string::npos);
  EXPECT_FALSE(merge_runtime_overrides({}, {"get_batch.max_wait"}));
}

TEST(runtime_config, later_values_replace_earlier_ones_sorted_by_key) {
  auto merged = merge_runtime_overrides(
      {"get_batch.max_wait=5s", "get_batch.max_gfn=2"},
      {"get_batch.max_wait=7s", "get_batch.max_soft_errs=3"});
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(*merged,
            (strings{"get_batch.max_gfn=2", "get_batch.max_soft_errs=3",
                     "get_batch.max_wait=7s"}));
}

TEST(runtime_config, overrides_apply_on_top_of_the_nodes_own_settings) {
  auto base = parse_config("", {"get_batch.max_soft_errs=6"});
  ASSERT_TRUE(base);
  int builds = 0;
  runtime_config rc{*base, [&](const strings& extra) {
                      ++builds;
                      auto all = strings{"get_batch.max_soft_errs=6"};
                      all.insert(all.end(), extra.begin(), extra.end());
                      return parse_config("", all);
                    }};
  EXPECT_EQ(rc.with({})->get_batch.max_soft_errs, 6);
  auto cfg = rc.with({"get_batch.max_soft_errs=20"});
  EXPECT_EQ(cfg->get_batch.max_soft_errs, 20);
  // The same overrides again come from the cache.
  EXPECT_EQ(rc.with({"get_batch.max_soft_errs=20"}), cfg);
  EXPECT_EQ(builds, 1);
  // Overrides that do not apply leave the node's own configuration.
  EXPECT_EQ(rc.with({"get_batch.max_soft_errs=x"})->get_batch.max_soft_errs, 6);
  EXPECT_TRUE(rc.check({"get_batch.max_soft_errs=20"}));
  auto bad = rc.check({"get_batch.max_gfn=9", "get_batch.max_soft_errs=2"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("max_gfn"), std::string::npos);
}

TEST(runtime_config, the_get_batch_section_as_json) {
  get_batch_config gb;
  gb.max_wait = std::chrono::milliseconds(1500);
  json_writer w;
  write_get_batch_json(w, gb);
  auto text = w.str();
  EXPECT_NE(text.find(R"("max_wait":"1500ms")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("throttle_sleep":"10ms")"), std::string::npos);
  EXPECT_NE(text.find(R"("max_soft_errs":8)"), std::string::npos);
}

job_view job(const std::string& uuid, uint32_t cursor) {
  job_view v;
  v.uuid = uuid;
  v.entries = 10;
  v.cursor = cursor;
  return v;
}

TEST(job_board, live_jobs_keep_the_connections_share) {
  job_board board;
  board.publish(job("a", 1));
  board.add_transfer("a", 100, 5);
  board.publish(job("a", 2));
  board.add_transfer("a", 50, 1);
  board.add_transfer("unknown", 1, 1);
  auto live = board.active();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].cursor, 2u);
  EXPECT_EQ(live[0].archive_bytes, 150u);
  EXPECT_EQ(live[0].rx_wait_ns, 6u);
}

TEST(job_board, retired_jobs_are_recent_newest_first_and_bounded) {
  job_board board{2};
  for (auto id : {"a", "b", "c"}) {
    board.publish(job(id, 0));
    board.add_transfer(id, 10, 0);
    auto done = job(id, 10);
    done.state = "done";
    board.retire(done);
  }
  // The last bytes of a finished batch still count.
  board.add_transfer("c", 5, 0);
  EXPECT_TRUE(board.active().empty());
  auto recent = board.recent();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].uuid, "c");
  EXPECT_EQ(recent[0].archive_bytes, 15u);
  EXPECT_EQ(recent[0].state, "done");
  EXPECT_EQ(recent[1].uuid, "b");
}

TEST(job_board, jobs_as_json) {
  auto v = job("gbt-1", 3);
  v.error = "bad \"thing\"";
  v.fetches.push_back({"t1", 6, 2, 1, false});
  json_writer w;
  w.begin_array();
  write_job_json(w, v);
  w.raw(R"({"x":1})");
  w.number(0.5);
  w.end_array();
  auto text = w.str();
  EXPECT_NE(text.find(R"("uuid":"gbt-1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("error":"bad \"thing\"")"), std::string::npos);
  EXPECT_NE(text.find(R"({"target":"t1","entries":6,"delivered":2,)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(,{"x":1},0.5])"), std::string::npos) << text;
}

} // namespace
} // namespace moss
