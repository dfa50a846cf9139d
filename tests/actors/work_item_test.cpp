#include "actors/error.hpp"
#include "actors/moss/work_item.hpp"
#include "actors/system_config.hpp"
#include "archive/writer.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

namespace moss {
namespace {

using namespace std::chrono_literals;

/// What a fake target received; the test answers through the promises.
struct target_log {
  std::vector<fetch_request> requests;
  std::vector<warm_request> warms;
  std::vector<caf::response_promise> promises;
};

/// A target that answers fetches only when told to (`tick, n, reply`), so
/// the test decides the order of arrivals. Dynamically typed, so it can
/// take that extra message; the work item sees it as a `target_actor`.
caf::behavior fake_target(caf::event_based_actor* self,
                          std::shared_ptr<target_log> log,
                          std::shared_ptr<peer_table> peers) {
  return {
      [self, log](atom::fetch, fetch_request& req) {
        log->requests.push_back(req);
        log->promises.push_back(self->make_response_promise());
        return log->promises.back();
      },
      [log](atom::warm, warm_request& req) {
        log->warms.push_back(std::move(req));
      },
      [log](atom::tick, size_t n, fetch_reply& reply) {
        log->promises.at(n).deliver(std::move(reply));
      },
      [peers](atom::peers) {
        return *peers;
      },
  };
}

/// What the work item handed its serializer.
struct serializer_log {
  std::vector<slice_part> parts;
  int ready = 0;
  bool done = false;
  std::string metadata;
  caf::error failure;
};

serializer_actor::behavior_type
fake_serializer(serializer_actor::pointer,
                std::shared_ptr<serializer_log> log) {
  return {
      [log](slice& s) {
        for (auto& p : s.parts)
          log->parts.push_back(std::move(p));
      },
      [log](atom::ready) {
        ++log->ready;
      },
      [log](atom::done, std::string& meta) {
        log->done = true;
        log->metadata = meta;
      },
      [log](atom::fail, caf::error& err) {
        log->failure = err;
      },
      [](atom::pull) {
        return pull_reply{};
      },
      [](work_item_actor&) {},
  };
}

fetch_result ok(uint32_t index, const std::string& data, uint64_t total = 0,
                uint64_t offset = 0) {
  fetch_result r;
  r.index = index;
  r.total = total == 0 ? data.size() : total;
  r.offset = offset;
  r.data = data;
  r.complete = offset + data.size() == r.total;
  return r;
}

fetch_result missing(uint32_t index) {
  fetch_result r;
  r.index = index;
  r.code = ec::not_found;
  r.error = "ais://b/" + std::to_string(index) + " does not exist";
  r.complete = true;
  return r;
}

class work_item_test : public ::testing::Test {
 protected:
  work_item_test()
      : sys(cfg), sched(dynamic_cast<caf::scheduler::test_coordinator&>(
                      sys.scheduler())) {
    gb.max_wait = 5s;
    gb.max_gfn = 2;
    gb.max_soft_errs = 8;
  }

  ~work_item_test() override {
    for (auto& h : spawned)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns targets "A" and "B", a serializer and a work item whose entry
  /// `i` lives on `owners[i]`.
  void start(std::vector<std::string> owners, bool coer = false,
             bool strict = false) {
    auto peers = std::make_shared<peer_table>();
    for (auto id : {"A", "B"}) {
      auto log = std::make_shared<target_log>();
      auto h = sys.spawn(fake_target, log, peers);
      spawned.push_back(h);
      peers->ids.push_back(id);
      peers->handles.push_back(h);
      targets[id] = log;
      handles[id] = h;
    }
    ser_log = std::make_shared<serializer_log>();
    auto ser = sys.spawn(fake_serializer, ser_log);
    spawned.push_back(caf::actor_cast<caf::actor>(ser));
    auto plan = std::make_shared<batch_plan>();
    plan->uuid = "gbt-test";
    plan->req.coer = coer;
    plan->req.strm = strict;
    for (size_t i = 0; i < owners.size(); ++i) {
      batch_entry e;
      e.bucket = "b";
      e.objname = std::to_string(i);
      plan->req.entries.push_back(e);
    }
    for (auto& owner : owners)
      plan->add_owner(owner);
    wi = sys.spawn(work_item, std::shared_ptr<const batch_plan>(plan), ser,
                   caf::actor_cast<target_actor>(handles["A"]), gb,
                   work_item_services{&jobs, &advice});
    spawned.push_back(caf::actor_cast<caf::actor>(wi));
    sched.run();
  }

  void answer(const std::string& target, size_t request,
              std::vector<fetch_result> results) {
    fetch_reply reply;
    reply.results = std::move(results);
    caf::anon_send(handles[target], atom::tick_v, request, std::move(reply));
    sched.run();
  }

  /// (name, bytes) of every entry the serializer got, in order.
  std::vector<std::pair<std::string, std::string>> output() const {
    std::vector<std::pair<std::string, std::string>> result;
    for (auto& p : ser_log->parts) {
      if (p.kind == slice_part::begin)
        result.emplace_back(p.name, "");
      else if (p.kind == slice_part::data)
        result.back().second
            += p.bytes.file ? p.bytes.file->read() : p.bytes.bytes;
    }
    return result;
  }

  // The boards outlive the actor system, as on a node.
  job_board jobs;
  advice_board advice;
  test_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  get_batch_config gb;
  std::map<std::string, std::shared_ptr<target_log>> targets;
  std::map<std::string, caf::actor> handles;
  std::shared_ptr<serializer_log> ser_log;
  work_item_actor wi;
  std::vector<caf::actor> spawned;
};

using entries = std::vector<std::pair<std::string, std::string>>;

TEST_F(work_item_test, groups_entries_per_target_in_one_request) {
  start({"A", "B", "A", "B", "A"});
  ASSERT_EQ(targets["A"]->requests.size(), 1u);
  ASSERT_EQ(targets["B"]->requests.size(), 1u);
  auto& a = targets["A"]->requests[0].items;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].index, 0u);
  EXPECT_EQ(a[1].index, 2u);
  EXPECT_EQ(a[2].index, 4u);
  EXPECT_EQ(ser_log->ready, 1);
}

TEST_F(work_item_test, out_of_order_arrivals_come_out_in_request_order) {
  start({"A", "B", "A", "B"});
  answer("B", 0, {ok(1, "one"), ok(3, "three")});
  EXPECT_TRUE(output().empty()) << "entry 0 has not arrived yet";
  answer("A", 0, {ok(0, "zero"), ok(2, "two")});
  EXPECT_EQ(
      output(),
      (entries{
          {"b/0", "zero"}, {"b/1", "one"}, {"b/2", "two"}, {"b/3", "three"}}));
  EXPECT_TRUE(ser_log->done);
  EXPECT_NE(ser_log->metadata.find(R"("size":5)"), std::string::npos);
}

TEST_F(work_item_test, large_entries_arrive_in_chunks_and_stream_early) {
  start({"A", "B"});
  // A has only the first part of entry 0 (budget spent).
  answer("A", 0, {ok(0, "abc", 6)});
  ASSERT_EQ(output().size(), 1u);
  EXPECT_EQ(output()[0].second, "abc") << "a started entry streams at once";
  auto& again = targets["A"]->requests.at(1).items;
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].skip, 3u);
  answer("B", 0, {ok(1, "B1")});
  answer("A", 1, {ok(0, "def", 6, 3)});
  EXPECT_EQ(output(), (entries{{"b/0", "abcdef"}, {"b/1", "B1"}}));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test, duplicates_and_stale_parts_are_dropped) {
  start({"A", "A", "B"});
  answer("A", 0, {ok(0, "x"), ok(0, "x"), ok(1, "y")});
  answer("B", 0, {ok(2, "z"), ok(2, "z")});
  EXPECT_EQ(output(), (entries{{"b/0", "x"}, {"b/1", "y"}, {"b/2", "z"}}));
}

TEST_F(work_item_test, the_console_sees_progress_per_target_and_the_outcome) {
  start({"A", "B", "A"});
  auto live = jobs.active();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].uuid, "gbt-test");
  EXPECT_EQ(live[0].state, "running");
  EXPECT_EQ(live[0].entries, 3u);
  EXPECT_EQ(live[0].cursor, 0u);
  ASSERT_EQ(live[0].fetches.size(), 2u);
  EXPECT_EQ(live[0].fetches[0].target, "A");
  EXPECT_EQ(live[0].fetches[0].entries, 2u);
  EXPECT_EQ(live[0].fetches[0].inflight, 1);
  EXPECT_EQ(live[0].fetches[1].entries, 1u);
  answer("A", 0, {ok(0, "zero")});
  live = jobs.active();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].cursor, 1u);
  EXPECT_EQ(live[0].payload_bytes, 4u);
  EXPECT_EQ(live[0].fetches[0].delivered, 1u);
  EXPECT_EQ(live[0].fetches[1].delivered, 0u);
  answer("B", 0, {ok(1, "one")});
  answer("A", 1, {ok(2, "two")});
  EXPECT_TRUE(jobs.active().empty());
  auto recent = jobs.recent();
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].state, "done");
  EXPECT_EQ(recent[0].cursor, 3u);
  EXPECT_EQ(recent[0].payload_bytes, 10u);
  EXPECT_EQ(recent[0].fetches[0].delivered, 2u);
  EXPECT_TRUE(recent[0].error.empty());
}

TEST_F(work_item_test, a_failed_batch_is_recent_with_its_error) {
  start({"A", "B"});
  answer("A", 0, {missing(0)});
  answer("B", 1, {missing(0)}); // the other target is asked too
  ASSERT_TRUE(ser_log->failure);
  EXPECT_TRUE(jobs.active().empty());
  auto recent = jobs.recent();
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].state, "failed");
  EXPECT_EQ(recent[0].error, "ais://b/0 does not exist");
}

TEST_F(work_item_test, high_load_pauses_new_fetches_for_the_advised_time) {
  load_sample busy;
  busy.pending = 100; // over pending_high_wm (96): sleep throttle_sleep
  advice.publish(busy, {});
  gb.throttle_sleep = 30ms;
  start({"A", "B"});
  EXPECT_TRUE(targets["A"]->requests.empty());
  EXPECT_TRUE(targets["B"]->requests.empty());
  auto live = jobs.active();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].state, "throttled");
  EXPECT_EQ(live[0].throttle_ns, 30'000'000u);
  advice.publish(load_sample{}, {});
  sched.advance_time(29ms);
  sched.run();
  EXPECT_TRUE(targets["A"]->requests.empty()) << "paused for 30 ms";
  sched.advance_time(1ms);
  sched.run();
  EXPECT_EQ(targets["A"]->requests.size(), 1u);
  EXPECT_EQ(targets["B"]->requests.size(), 1u);
  answer("A", 0, {ok(0, "a")});
  answer("B", 0, {ok(1, "b")});
  EXPECT_EQ(output(), (entries{{"b/0", "a"}, {"b/1", "b"}}));
}

TEST_F(work_item_test, a_waiting_cursor_names_the_next_entries_to_warm_up) {
  gb.warmup_workers = 3;
  gb.window_entries = 2;
  start({"A", "A", "A", "A", "A", "B"});
  ASSERT_EQ(targets["A"]->requests.size(), 1u);
  EXPECT_EQ(targets["A"]->requests[0].items.size(), 2u);
  auto& warms = targets["A"]->warms;
  ASSERT_EQ(warms.size(), 1u);
  EXPECT_EQ(warms[0].workers, 3);
  std::vector<uint32_t> named;
  for (auto& item : warms[0].items)
    named.push_back(item.index);
  EXPECT_EQ(named, (std::vector<uint32_t>{2, 3, 4})) << "not the ones asked";
  EXPECT_EQ(warms[0].items[0].objname, "2");
  ASSERT_EQ(targets["B"]->warms.size(), 1u) << "beyond the entry window";
  EXPECT_EQ(targets["B"]->warms[0].items.at(0).index, 5u);
  EXPECT_TRUE(targets["B"]->requests.empty());
  answer("A", 0, {ok(0, "a"), ok(1, "b")});
  EXPECT_EQ(warms.size(), 1u) << "each entry is named once";
}

TEST_F(work_item_test, warm_up_off_sends_no_hints) {
  start({"A", "A", "B"});
  answer("B", 0, {ok(2, "c")});
  EXPECT_TRUE(targets["A"]->warms.empty());
  EXPECT_TRUE(targets["B"]->warms.empty());
}

fetch_result changed(uint32_t index) {
  fetch_result r;
  r.index = index;
  r.code = ec::conflict;
  r.error = "ais://b/" + std::to_string(index) + " changed while it was read";
  return r;
}

TEST_F(work_item_test, later_parts_carry_the_identity_of_the_first) {
  start({"B", "A"});
  auto part = ok(1, "abc", 6);
  part.identity = 77;
  answer("A", 0, {part});
  auto& again = targets["A"]->requests.at(1).items.at(0);
  EXPECT_EQ(again.skip, 3u);
  EXPECT_EQ(again.identity, 77u);
}

TEST_F(work_item_test, an_entry_overwritten_before_it_is_sent_starts_over) {
  start({"B", "A"});
  auto part = ok(1, "old", 6);
  part.identity = 1;
  answer("A", 0, {part}); // entry 1 waits behind entry 0: nothing sent
  answer("A", 1, {changed(1)});
  auto& fresh = targets["A"]->requests.at(2).items.at(0);
  EXPECT_EQ(fresh.skip, 0u) << "the new version, from its start";
  EXPECT_EQ(fresh.identity, 0u);
  auto whole = ok(1, "newer!");
  whole.identity = 2;
  answer("A", 2, {whole});
  answer("B", 0, {ok(0, "b")});
  EXPECT_EQ(output(), (entries{{"b/0", "b"}, {"b/1", "newer!"}}));
  EXPECT_FALSE(ser_log->failure);
}

TEST_F(work_item_test, an_entry_overwritten_while_it_streams_fails_the_batch) {
  start({"A"});
  auto part = ok(0, "old", 6);
  part.identity = 1;
  answer("A", 0, {part}); // at the cursor: its header and bytes went out
  answer("A", 1, {changed(0)});
  ASSERT_TRUE(ser_log->failure);
  EXPECT_EQ(from_caf_error(ser_log->failure).code, ec::conflict);
}

TEST_F(work_item_test, a_timeout_asks_again_and_late_replies_are_ignored) {
  start({"A", "B"});
  answer("B", 0, {ok(1, "b")});
  sched.advance_time(gb.max_wait); // A is silent: get-from-neighbor
  sched.run();
  ASSERT_EQ(targets["A"]->requests.size(), 2u);
  answer("A", 1, {ok(0, "a")});
  EXPECT_EQ(output(), (entries{{"b/0", "a"}, {"b/1", "b"}}));
  EXPECT_TRUE(ser_log->done);
  // The first, timed-out request answers late: nothing changes.
  answer("A", 0, {ok(0, "late")});
  EXPECT_EQ(output().size(), 2u);
  EXPECT_FALSE(ser_log->failure);
}

TEST_F(work_item_test, retries_are_bounded_by_max_gfn) {
  start({"A"});
  for (int i = 0; i <= gb.max_gfn; ++i) {
    sched.advance_time(gb.max_wait);
    sched.run();
  }
  EXPECT_EQ(targets["A"]->requests.size(), 3u);
  ASSERT_TRUE(ser_log->failure);
  EXPECT_EQ(from_caf_error(ser_log->failure).code, ec::timeout);
}

TEST_F(work_item_test, missing_entries_with_coer_become_placeholders) {
  start({"A", "A", "B"}, true);
  answer("A", 0, {ok(0, "a"), missing(1)});
  answer("B", 0, {ok(2, "c")});
  EXPECT_EQ(output().size(), 1u) << "B may still have entry 1";
  ASSERT_EQ(targets["B"]->requests.size(), 2u);
  EXPECT_EQ(targets["B"]->requests[1].items.at(0).index, 1u);
  answer("B", 1, {missing(1)});
  EXPECT_EQ(output(),
            (entries{{"b/0", "a"}, {"__404__/b/1", ""}, {"b/2", "c"}}));
  EXPECT_NE(ser_log->metadata.find("ais://b/1 does not exist"),
            std::string::npos);
}

TEST_F(work_item_test, a_missing_entry_without_coer_fails_the_batch) {
  start({"A", "B"});
  answer("A", 0, {missing(0)});
  EXPECT_FALSE(ser_log->failure) << "not before B was asked";
  answer("B", 1, {missing(0)});
  ASSERT_TRUE(ser_log->failure);
  EXPECT_EQ(from_caf_error(ser_log->failure).code, ec::not_found);
  EXPECT_FALSE(ser_log->done);
}

TEST_F(work_item_test, an_entry_its_owner_lacks_is_found_on_another_target) {
  // After a target joins, objects stay on their previous owner until a
  // rebalance moves them.
  start({"A", "A", "B"});
  answer("A", 0, {ok(0, "a"), missing(1)});
  answer("B", 0, {ok(2, "c")});
  answer("B", 1, {ok(1, "moved")});
  EXPECT_EQ(output(), (entries{{"b/0", "a"}, {"b/1", "moved"}, {"b/2", "c"}}));
  EXPECT_TRUE(ser_log->done);
  EXPECT_FALSE(ser_log->failure);
}

TEST_F(work_item_test, strict_mode_checks_the_other_targets_before_failing) {
  start({"A", "B", "A"}, false, true);
  // Existence checks, and meanwhile one data request to the DT's own target
  // (A), so that its first entries are in hand when the check ends.
  ASSERT_EQ(targets["A"]->requests.size(), 2u);
  EXPECT_TRUE(targets["A"]->requests[0].stat_only);
  EXPECT_FALSE(targets["A"]->requests[1].stat_only);
  ASSERT_EQ(targets["B"]->requests.size(), 1u)
      << "other targets send data only after the check";
  EXPECT_TRUE(targets["B"]->requests[0].stat_only);
  answer("A", 0, {ok(0, ""), missing(2)});
  answer("B", 0, {ok(1, "")});
  EXPECT_EQ(ser_log->ready, 0) << "entry 2 is not found yet";
  ASSERT_EQ(targets["B"]->requests.size(), 2u);
  EXPECT_TRUE(targets["B"]->requests[1].stat_only);
  // A's data arrives before the check ends: it waits, and A's "missing" for
  // entry 2 leaves the decision to the check.
  answer("A", 1, {ok(0, "a"), missing(2)});
  EXPECT_TRUE(output().empty()) << "nothing before the check says 200";
  EXPECT_FALSE(ser_log->failure);
  EXPECT_EQ(targets["A"]->requests.size(), 2u) << "one request while checking";
  EXPECT_EQ(targets["B"]->requests.size(), 2u);
  answer("B", 1, {ok(2, "")});
  EXPECT_EQ(ser_log->ready, 1);
  EXPECT_EQ(output(), (entries{{"b/0", "a"}}));
  // B's entry, and entry 2 where the check found it.
  ASSERT_EQ(targets["B"]->requests.size(), 3u);
  ASSERT_EQ(targets["B"]->requests[2].items.size(), 2u);
  EXPECT_EQ(targets["B"]->requests[2].items[0].index, 1u);
  EXPECT_EQ(targets["B"]->requests[2].items[1].index, 2u);
  answer("B", 2, {ok(1, "b"), ok(2, "c")});
  EXPECT_EQ(output(), (entries{{"b/0", "a"}, {"b/1", "b"}, {"b/2", "c"}}));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test, strict_mode_keeps_few_check_parts_in_flight) {
  // 12 parts of 256 entries on B: 8 go at once, one more per answer.
  start(std::vector<std::string>(12 * 256, "B"), false, true);
  auto& log = *targets["B"];
  ASSERT_EQ(log.requests.size(), 8u);
  std::vector<uint32_t> checked;
  for (size_t part = 0; part < 12; ++part) {
    ASSERT_EQ(log.requests.size(), std::min<size_t>(8 + part, 12))
        << "parts answered: " << part;
    auto& req = log.requests[part];
    ASSERT_TRUE(req.stat_only);
    ASSERT_EQ(req.items.size(), 256u);
    EXPECT_EQ(ser_log->ready, 0);
    std::vector<fetch_result> results;
    for (auto& item : req.items) {
      checked.push_back(item.index);
      results.push_back(ok(item.index, ""));
    }
    answer("B", part, std::move(results));
  }
  EXPECT_EQ(ser_log->ready, 1);
  ASSERT_EQ(checked.size(), 12u * 256);
  for (uint32_t i = 0; i < checked.size(); ++i)
    ASSERT_EQ(checked[i], i);
  EXPECT_FALSE(log.requests.back().stat_only) << "then the data";
}

TEST_F(work_item_test, strict_mode_fails_when_no_target_has_an_entry) {
  start({"A", "B"}, false, true);
  answer("A", 0, {missing(0)});
  answer("B", 0, {ok(1, "")});
  answer("A", 1, {missing(0)}); // the data that came during the check
  EXPECT_FALSE(ser_log->failure);
  ASSERT_EQ(targets["B"]->requests.size(), 2u);
  EXPECT_TRUE(targets["B"]->requests[1].stat_only);
  answer("B", 1, {missing(0)});
  ASSERT_TRUE(ser_log->failure);
  EXPECT_EQ(from_caf_error(ser_log->failure).code, ec::not_found);
  EXPECT_EQ(ser_log->ready, 0);
  EXPECT_TRUE(output().empty());
}

TEST_F(work_item_test, a_target_that_dies_turns_its_entries_into_placeholders) {
  start({"A", "B", "B"}, true);
  answer("A", 0, {ok(0, "a")});
  caf::anon_send_exit(handles["B"], caf::exit_reason::kill);
  sched.run();
  EXPECT_EQ(output(),
            (entries{{"b/0", "a"}, {"__404__/b/1", ""}, {"__404__/b/2", ""}}));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test, the_window_bounds_bytes_in_flight_until_credit) {
  gb.window_bytes = 1 << 20;
  gb.chunk_bytes = 512 * 1024;
  start(std::vector<std::string>(8, "A"));
  auto& log = *targets["A"];
  ASSERT_EQ(log.requests.size(), 1u) << "all 8 entries in one request";
  EXPECT_EQ(log.requests[0].items.size(), 8u);
  EXPECT_EQ(log.requests[0].budget, gb.chunk_bytes);
  std::string half(512 * 1024, 'x');
  answer("A", 0, {ok(0, half)}); // the budget covered one entry
  ASSERT_EQ(log.requests.size(), 2u);
  EXPECT_EQ(log.requests[1].items.front().index, 1u);
  EXPECT_EQ(log.requests[1].items.size(), 1u)
      << "entries of 512 KiB: one fits the 512 KiB budget, no more are named";
  answer("A", 1, {ok(1, half)});
  // 1 MiB sits with the serializer: a stalled client stops the fetching,
  // even for the entry at the cursor.
  EXPECT_EQ(log.requests.size(), 2u);
  caf::anon_send(wi, atom::credit_v, uint64_t{1 << 20});
  sched.run();
  ASSERT_GE(log.requests.size(), 3u) << "credit reopens the window";
  EXPECT_EQ(log.requests[2].items.front().index, 2u);
  uint64_t asked = 0;
  for (size_t i = 2; i < log.requests.size(); ++i)
    asked += log.requests[i].budget;
  EXPECT_LE(asked, gb.window_bytes) << "the reopened window, no more";
}

TEST_F(work_item_test, archive_framing_counts_against_the_window) {
  // A 1-byte entry is 1 KiB of TAR (header and padding): tiny entries must
  // not pile up headers the client has not taken.
  gb.window_bytes = 8 * 1024;
  start(std::vector<std::string>(64, "A"));
  auto& log = *targets["A"];
  size_t answered = 0;
  auto answer_all = [&] {
    while (answered < log.requests.size()) {
      std::vector<fetch_result> results;
      for (auto& item : log.requests[answered].items)
        results.push_back(ok(item.index, "x"));
      answer("A", answered++, std::move(results));
    }
  };
  answer_all();
  auto handed = output().size();
  EXPECT_GE(handed, 8u);
  EXPECT_LE(handed, 16u) << "64 bytes of entries, 64 KiB of archive";
  auto framing = archive::framing_bytes(3, 1);
  EXPECT_EQ(framing + 1, 1024u);
  // The client takes everything handed so far, round by round.
  size_t taken = 0;
  for (int round = 0; round < 64 && output().size() < 64; ++round) {
    auto now = output().size();
    caf::anon_send(wi, atom::credit_v, (now - taken) * (framing + 1));
    taken = now;
    sched.run();
    answer_all();
  }
  ASSERT_EQ(output().size(), 64u);
  for (uint32_t i = 0; i < 64; ++i)
    EXPECT_EQ(output()[i],
              std::make_pair("b/" + std::to_string(i), std::string("x")));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test, a_nearly_full_window_waits_for_room_for_an_entry) {
  // Slivers of large entries would each cost a message round trip.
  gb.window_bytes = 2 << 20;
  gb.chunk_bytes = 1 << 20;
  start(std::vector<std::string>(8, "A"));
  auto& log = *targets["A"];
  ASSERT_EQ(log.requests.size(), 1u);
  answer("A", 0, {ok(0, std::string(1 << 20, 'x'))});
  ASSERT_EQ(log.requests.size(), 2u) << "entries are 1 MiB: one more fits";
  ASSERT_EQ(log.requests[1].items.size(), 1u);
  EXPECT_EQ(log.requests[1].items[0].index, 1u);
  caf::anon_send(wi, atom::credit_v, uint64_t{256 * 1024});
  sched.run();
  EXPECT_EQ(log.requests.size(), 2u) << "256 KiB of room: no 256 KiB sliver";
  // The client took entry 0 with its TAR header.
  caf::anon_send(wi, atom::credit_v,
                 768 * 1024 + archive::framing_bytes(3, 1 << 20));
  sched.run();
  ASSERT_EQ(log.requests.size(), 3u) << "room for a whole entry";
  EXPECT_EQ(log.requests[2].items[0].index, 2u);
  EXPECT_EQ(log.requests[2].budget, 1u << 20);
}

TEST_F(work_item_test, a_request_waits_for_room_for_every_entry_it_names) {
  gb.window_bytes = 2 << 20;
  gb.chunk_bytes = 1 << 20;
  start(std::vector<std::string>(16, "A"));
  auto& log = *targets["A"];
  std::string quarter(256 * 1024, 'q');
  answer("A", 0,
         {ok(0, quarter), ok(1, quarter), ok(2, quarter), ok(3, quarter)});
  ASSERT_EQ(log.requests.size(), 2u);
  EXPECT_EQ(log.requests[1].items.size(), 4u) << "1 MiB of room: 4 entries";
  caf::anon_send(wi, atom::credit_v, uint64_t{384 * 1024});
  sched.run();
  EXPECT_EQ(log.requests.size(), 2u)
      << "384 KiB of room: one entry and a part of the next would be a "
         "second round trip for the rest";
  caf::anon_send(wi, atom::credit_v,
                 128 * 1024 + 4 * archive::framing_bytes(3, 256 * 1024));
  sched.run();
  ASSERT_EQ(log.requests.size(), 3u);
  EXPECT_EQ(log.requests[2].items.size(), 2u);
  EXPECT_EQ(log.requests[2].items[0].index, 8u);
}

TEST_F(work_item_test, requests_start_small_and_grow_with_every_answer) {
  // A small first request comes back soon: the first byte need not wait
  // until a target has read a thousand entries.
  start(std::vector<std::string>(100, "A"));
  auto& log = *targets["A"];
  ASSERT_EQ(log.requests.size(), 2u) << "two requests in flight";
  EXPECT_EQ(log.requests[0].items.size(), 16u);
  EXPECT_EQ(log.requests[1].items.size(), 16u);
  std::vector<fetch_result> first;
  for (uint32_t i = 0; i < 16; ++i)
    first.push_back(ok(i, "x"));
  answer("A", 0, first);
  ASSERT_EQ(log.requests.size(), 3u);
  EXPECT_EQ(log.requests[2].items.size(), 32u) << "doubled after an answer";
  EXPECT_EQ(log.requests[2].items.front().index, 32u);
  EXPECT_EQ(output().size(), 16u);
}

TEST_F(work_item_test, the_cursor_entry_is_fetched_when_later_ones_fill_up) {
  gb.window_bytes = 1 << 20;
  gb.chunk_bytes = 1 << 20;
  start({"B", "A"});
  // A's entry 1 took the whole window, so B (entry 0) was not asked yet.
  ASSERT_EQ(targets["A"]->requests.size(), 1u);
  ASSERT_EQ(targets["B"]->requests.size(), 0u);
  answer("A", 0, {ok(1, std::string(1 << 20, 'a'))});
  // The window is full of entry 1, which waits for entry 0: B must go.
  ASSERT_EQ(targets["B"]->requests.size(), 1u);
  EXPECT_EQ(targets["B"]->requests[0].budget, gb.chunk_bytes)
      << "its size is unknown: a whole chunk, not the 64 KiB minimum";
  answer("B", 0, {ok(0, "b")});
  ASSERT_EQ(output().size(), 2u);
  EXPECT_EQ(output()[0], (std::pair<std::string, std::string>{"b/0", "b"}));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test, the_rest_of_the_cursor_entry_is_asked_whole) {
  // Past a full window, in slivers of what is free, every piece of the
  // entry the client waits for would cost a round trip.
  gb.window_bytes = 1 << 20;
  gb.chunk_bytes = 1 << 20;
  start({"B", "A"});
  answer("A", 0, {ok(1, std::string(1 << 20, 'a'))});
  ASSERT_EQ(targets["B"]->requests.size(), 1u);
  std::string part(256 * 1024, 'b');
  answer("B", 0, {ok(0, part, 768 * 1024)});
  ASSERT_EQ(targets["B"]->requests.size(), 2u);
  auto& rest = targets["B"]->requests[1];
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].skip, part.size());
  EXPECT_EQ(rest.budget, gb.chunk_bytes) << "not what the window has free";
  answer("B", 1,
         {ok(0, std::string(512 * 1024, 'b'), 768 * 1024, part.size())});
  ASSERT_EQ(output().size(), 2u);
  EXPECT_EQ(output()[0].second, std::string(768 * 1024, 'b'));
  EXPECT_TRUE(ser_log->done);
}

TEST_F(work_item_test,
       the_cursor_past_a_full_window_brings_a_chunk_of_entries) {
  // Entries of 128 KiB, the window full of a 1 MiB entry past the cursor:
  // the entries after the cursor's come with it, not one per round trip.
  gb.window_bytes = (1 << 20) + (128 << 10);
  gb.chunk_bytes = 1 << 20;
  start({"B", "B", "A", "B", "B", "B"});
  ASSERT_EQ(targets["A"]->requests.size(), 1u);
  ASSERT_EQ(targets["B"]->requests.size(), 1u);
  std::string entry(128 << 10, 'b');
  answer("B", 0, {ok(0, entry)});
  answer("A", 0, {ok(2, std::string(1 << 20, 'a'))});
  auto& log = *targets["B"];
  ASSERT_EQ(log.requests.size(), 2u) << "the cursor (entry 1) must go";
  auto& req = log.requests[1];
  EXPECT_EQ(req.budget, gb.chunk_bytes);
  std::vector<uint32_t> named;
  for (auto& item : req.items)
    named.push_back(item.index);
  EXPECT_EQ(named, (std::vector<uint32_t>{1, 3, 4, 5}));
  answer("B", 1, {ok(1, entry), ok(3, entry), ok(4, entry), ok(5, entry)});
  ASSERT_EQ(output().size(), 6u);
  EXPECT_TRUE(ser_log->done);
}

} // namespace
} // namespace moss

#include "actors/moss/serializer.hpp"

namespace moss {
namespace {

TEST_F(work_item_test, the_serializer_credits_the_work_item_on_pull) {
  gb.window_bytes = 1 << 20;
  gb.chunk_bytes = 512 * 1024;
  // Two real partners: a serializer fed by the work item, pulled by `self`.
  auto peers = std::make_shared<peer_table>();
  auto log = std::make_shared<target_log>();
  auto a = sys.spawn(fake_target, log, peers);
  spawned.push_back(a);
  peers->ids.push_back("A");
  peers->handles.push_back(a);
  handles["A"] = a;
  targets["A"] = log;
  auto ser = sys.spawn(serializer, archive_format::tar);
  spawned.push_back(caf::actor_cast<caf::actor>(ser));
  auto plan = std::make_shared<batch_plan>();
  plan->uuid = "gbt-credit";
  for (int i = 0; i < 4; ++i) {
    batch_entry e;
    e.bucket = "b";
    e.objname = std::to_string(i);
    plan->req.entries.push_back(e);
    plan->add_owner("A");
  }
  auto w
      = sys.spawn(work_item, std::shared_ptr<const batch_plan>(plan), ser,
                  caf::actor_cast<target_actor>(a), gb, work_item_services{});
  spawned.push_back(caf::actor_cast<caf::actor>(w));
  caf::anon_send(ser, w);
  sched.run();
  std::string half(512 * 1024, 'x');
  answer("A", 0, {ok(0, half)});
  answer("A", 1, {ok(1, half)});
  ASSERT_EQ(log->requests.size(), 2u) << "window full";
  caf::scoped_actor puller{sys};
  size_t pulled = 0;
  for (int i = 0; i < 3 && log->requests.size() == 2; ++i) {
    auto h = puller->request(ser, caf::infinite, atom::pull_v);
    sched.run();
    h.receive(
        [&](pull_reply& r) {
          for (auto& part : r.data)
            pulled += part.size();
        },
        [](caf::error& e) {
          FAIL() << caf::to_string(e);
        });
    sched.run();
  }
  EXPECT_GE(pulled, size_t{512} * 1024);
  EXPECT_EQ(log->requests.size(), 3u) << "the pull's credit reopens the window";
}

} // namespace
} // namespace moss
