#include "actors/moss/batch_bridge.hpp"
#include "actors/system_config.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <atomic>

// The bridge blocks the calling thread on a scoped actor, so these tests run
// a real scheduler, not the deterministic one (which would never deliver
// while the test thread waits).

namespace moss {
namespace {

using namespace std::chrono_literals;

/// A target that owns every entry and answers each fetch with `entry_bytes`
/// of a letter per entry ('a' for entry 0), or never answers at all.
caf::behavior answering_target(caf::event_based_actor* self, size_t entry_bytes,
                               bool silent,
                               std::shared_ptr<std::atomic<int>> fetches) {
  return {
      [=](atom::fetch, fetch_request& req) -> caf::result<fetch_reply> {
        ++*fetches;
        if (silent)
          return self->make_response_promise<fetch_reply>();
        fetch_reply reply;
        for (auto& item : req.items) {
          fetch_result r;
          r.index = item.index;
          r.total = entry_bytes;
          r.data.assign(entry_bytes, static_cast<char>('a' + item.index % 26));
          r.complete = true;
          reply.results.push_back(std::move(r));
        }
        return reply;
      },
      [](atom::warm, warm_request&) {},
      [self](atom::peers) {
        return peer_table{{"A"}, {caf::actor_cast<caf::actor>(self)}};
      },
  };
}

/// Names and contents of the entries of a TAR stream.
std::vector<std::pair<std::string, std::string>>
tar_entries(const std::string& tar) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos + 512 <= tar.size() && tar[pos] != '\0') {
    std::string name(tar.data() + pos, strnlen(tar.data() + pos, 100));
    auto size
        = std::stoull(std::string(tar.data() + pos + 124, 11), nullptr, 8);
    out.emplace_back(name, tar.substr(pos + 512, size));
    pos += 512 + (size + 511) / 512 * 512;
  }
  return out;
}

class batch_bridge_test : public ::testing::Test {
 protected:
  batch_bridge_test() : cfg(config{}, false), sys(cfg) {}

  ~batch_bridge_test() override {
    stream.reset();
    caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  }

  /// Starts a batch of `names` in bucket "b", each owned by `owner`.
  void start(std::vector<std::string> names, std::string owner = "A",
             size_t entry_bytes = 1024, bool silent = false) {
    target = sys.spawn(answering_target, entry_bytes, silent, fetches);
    backend = make_batch_backend(sys, caf::actor_cast<target_actor>(target),
                                 work_item_services{});
    auto plan = std::make_shared<batch_plan>();
    plan->uuid = "gbt-bridge";
    plan->req.strm = true;
    plan->req.coer = true; // no existence check: fetches only
    for (auto& n : names) {
      batch_entry e;
      e.bucket = "b";
      e.objname = n;
      plan->req.entries.push_back(e);
      plan->add_owner(owner);
    }
    get_batch_config gb;
    gb.max_soft_errs = 0;
    stream = backend->start(plan, gb);
  }

  system_config cfg;
  caf::actor_system sys;
  caf::actor target;
  std::shared_ptr<std::atomic<int>> fetches
      = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<http::batch_backend> backend;
  std::unique_ptr<http::batch_stream> stream;
};

TEST_F(batch_bridge_test, pulls_return_the_archive_in_order_until_done) {
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i)
    names.push_back("o" + std::to_string(i));
  // 12 x 300 KiB: more than one pull (each returns about 1 MiB).
  start(names, "A", 300 * 1024);
  std::string tar;
  int pulls = 0;
  for (; pulls < 100; ++pulls) {
    auto chunk = stream->pull(10s);
    ASSERT_TRUE(chunk) << chunk.error().message;
    for (auto& p : chunk->parts) {
      ASSERT_EQ(p.file, nullptr);
      ASSERT_EQ(p.peer, nullptr);
      tar += p.bytes;
    }
    if (chunk->done)
      break;
  }
  EXPECT_GT(pulls, 2);
  auto entries = tar_entries(tar);
  ASSERT_EQ(entries.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(entries[i].first, "b/" + names[i]);
    EXPECT_EQ(entries[i].second,
              std::string(300 * 1024, static_cast<char>('a' + i)));
  }
}

TEST_F(batch_bridge_test, a_batch_that_makes_no_progress_times_out) {
  start({"o0", "o1"}, "A", 1024, true);
  auto first = stream->pull(10s);
  ASSERT_TRUE(first) << "the batch may start (no existence check)";
  EXPECT_FALSE(first->done);
  EXPECT_EQ(first->size(), 0u);
  auto began = std::chrono::steady_clock::now();
  auto chunk = stream->pull(200ms);
  ASSERT_FALSE(chunk);
  EXPECT_EQ(chunk.error().code, ec::timeout);
  EXPECT_EQ(chunk.error().message, "the batch made no progress for 200 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - began, 200ms);
  EXPECT_GE(fetches->load(), 1) << "the work item did ask";
}

TEST_F(batch_bridge_test, a_failed_batch_reports_its_error_on_the_next_pull) {
  // A strict batch whose owner is not in the peer table fails at start.
  target = sys.spawn(answering_target, 1024, false, fetches);
  backend = make_batch_backend(sys, caf::actor_cast<target_actor>(target),
                               work_item_services{});
  auto plan = std::make_shared<batch_plan>();
  plan->uuid = "gbt-bridge";
  plan->req.strm = true;
  batch_entry e;
  e.bucket = "b";
  e.objname = "o0";
  plan->req.entries.push_back(e);
  plan->add_owner("Z");
  stream = backend->start(plan, get_batch_config{});
  auto chunk = stream->pull(10s);
  ASSERT_FALSE(chunk);
  EXPECT_EQ(chunk.error().code, ec::unavailable);
  EXPECT_EQ(chunk.error().message,
            "target Z that owns entry 0 is not reachable");
}

} // namespace
} // namespace moss
