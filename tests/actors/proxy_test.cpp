#include "actors/error.hpp"
#include "actors/proxy/proxy.hpp"
#include "actors/system_config.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

/// What a fake target saw.
struct fake_log {
  std::vector<cluster_map> maps;
  int lists = 0;
};

/// Stands in for a target: records maps, lists a fixed set of names.
target_actor::behavior_type fake_target(target_actor::pointer self,
                                        std::shared_ptr<fake_log> log,
                                        std::vector<std::string> names) {
  return {
      [log](atom::update, cluster_map& map) {
        log->maps.push_back(map);
        return map.version;
      },
      [log, names](atom::list, const list_query& q) {
        ++log->lists;
        list_page page;
        for (auto& n : names)
          if (n > q.start_after)
            page.entries.push_back({n, object_meta{1, 0, 1, 0}});
        return page;
      },
      [](atom::start, node_info&) {},
      [self](atom::rejoin) {
        static_cast<void>(self);
      },
      [](atom::fetch, const fetch_request&) {
        return fetch_reply{};
      },
      [](atom::warm, const warm_request&) {},
      [](atom::peers) {
        return peer_table{};
      },
      [](atom::hello, const std::string&, const caf::actor&) {},
      [](atom::tick) {},
  };
}

class proxy_test : public ::testing::Test {
 protected:
  proxy_test()
      : sys(cfg), self(sys, true),
        sched(
            dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    proxy_handle = sys.spawn(proxy, node_info{"p1", "http://p", "p", 1, 0},
                             state.path() + "/cluster.json", &view,
                             std::string{"s3cret"});
    spawned.push_back(caf::actor_cast<caf::actor>(proxy_handle));
    sched.run();
  }

  ~proxy_test() override {
    for (auto& h : spawned)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  target_actor spawn_target(std::shared_ptr<fake_log> log,
                            std::vector<std::string> names = {}) {
    auto h = sys.spawn(fake_target, std::move(log), std::move(names));
    spawned.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  cluster_map join(const std::string& id, const target_actor& t) {
    cluster_map result;
    auto h = self->request(proxy_handle, caf::infinite, atom::join_v,
                           node_info{id, "http://" + id, id, 7, 0}, t,
                           std::string{"s3cret"});
    sched.run();
    h.receive(
        [&](cluster_map& m) {
          result = std::move(m);
        },
        [](caf::error& e) {
          FAIL() << caf::to_string(e);
        });
    return result;
  }

  template <class Atom>
  expected<int64_t> bucket_call(Atom what, const std::string& name) {
    expected<int64_t> result{make_error(ec::internal, "no reply")};
    auto h = self->request(proxy_handle, caf::infinite, what, name);
    sched.run();
    h.receive(
        [&](int64_t v) {
          result = v;
        },
        [&](caf::error& e) {
          result = from_caf_error(e);
        });
    return result;
  }

  test::temp_dir state;
  test_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  caf::scheduler::test_coordinator& sched;
  cluster_view view;
  proxy_actor proxy_handle;
  std::vector<caf::actor> spawned;
};

TEST_F(proxy_test, a_target_without_the_join_token_is_refused) {
  auto t = spawn_target(std::make_shared<fake_log>());
  for (auto token : {"", "s3cre", "s3cret!", "S3CRET"}) {
    auto h = self->request(proxy_handle, caf::infinite, atom::join_v,
                           node_info{"t1", "http://t1", "t1", 7, 0}, t,
                           std::string{token});
    sched.run();
    h.receive(
        [](cluster_map&) {
          FAIL() << "joined without the token";
        },
        [](caf::error& e) {
          EXPECT_NE(caf::to_string(e).find("join_token"), std::string::npos);
        });
  }
  EXPECT_TRUE(view.current()->targets.empty());
  EXPECT_EQ(join("t1", t).targets.size(), 1u) << "with it, it joins";
}

TEST_F(proxy_test, joins_are_versioned_and_pushed_to_every_target) {
  auto log1 = std::make_shared<fake_log>();
  auto log2 = std::make_shared<fake_log>();
  auto map1 = join("t1", spawn_target(log1));
  EXPECT_EQ(map1.version, 1);
  ASSERT_EQ(map1.targets.size(), 1u);
  EXPECT_EQ(map1.targets[0].http_url, "http://t1");
  auto map2 = join("t0", spawn_target(log2));
  EXPECT_EQ(map2.version, 2);
  ASSERT_EQ(map2.targets.size(), 2u);
  EXPECT_EQ(map2.targets[0].id, "t0"); // sorted by id
  // t1 learned about t0 through a push.
  ASSERT_FALSE(log1->maps.empty());
  EXPECT_EQ(log1->maps.back().version, 2);
  EXPECT_EQ(log1->maps.back().targets.size(), 2u);
  EXPECT_EQ(view.current()->version, 2);
  EXPECT_EQ(view.current()->proxy.id, "p1");
}

TEST_F(proxy_test, a_dead_target_leaves_and_can_rejoin_with_its_id) {
  auto log1 = std::make_shared<fake_log>();
  auto log2 = std::make_shared<fake_log>();
  auto t1 = spawn_target(log1);
  join("t1", t1);
  join("t2", spawn_target(log2));
  caf::anon_send_exit(t1, caf::exit_reason::kill);
  sched.run();
  auto map = view.current();
  ASSERT_EQ(map->targets.size(), 1u);
  EXPECT_EQ(map->targets[0].id, "t2");
  EXPECT_EQ(map->version, 3);
  EXPECT_EQ(log2->maps.back().targets.size(), 1u);
  auto again = join("t1", spawn_target(std::make_shared<fake_log>()));
  EXPECT_EQ(again.targets.size(), 2u);
  EXPECT_EQ(again.version, 4);
}

TEST_F(proxy_test, buckets_are_created_once_and_destroyed_once) {
  auto log1 = std::make_shared<fake_log>();
  join("t1", spawn_target(log1));
  auto v = bucket_call(atom::create_v, "imgs");
  ASSERT_TRUE(v);
  EXPECT_TRUE(log1->maps.back().has_bucket("imgs"));
  auto dup = bucket_call(atom::create_v, "imgs");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ec::already_exists);
  EXPECT_NE(dup.error().message.find("ais://imgs"), std::string::npos);
  ASSERT_TRUE(bucket_call(atom::destroy_v, "imgs"));
  EXPECT_FALSE(log1->maps.back().has_bucket("imgs"));
  auto gone = bucket_call(atom::destroy_v, "imgs");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ec::not_found);
}

TEST_F(proxy_test, buckets_survive_a_proxy_restart) {
  ASSERT_TRUE(bucket_call(atom::create_v, "keep"));
  auto loaded = load_proxy_state(state.path() + "/cluster.json");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->buckets, std::vector<std::string>{"keep"});
  EXPECT_EQ(loaded->version, 1);
}

TEST_F(proxy_test, listing_merges_all_targets_in_name_order) {
  join("t1", spawn_target(std::make_shared<fake_log>(), {"a", "c", "e"}));
  join("t2", spawn_target(std::make_shared<fake_log>(), {"b", "d"}));
  ASSERT_TRUE(bucket_call(atom::create_v, "b"));
  list_query q{"b", "", "", 4};
  list_page page;
  auto h = self->request(proxy_handle, caf::infinite, atom::list_v, q);
  sched.run();
  h.receive(
      [&](list_page& p) {
        page = std::move(p);
      },
      [](caf::error& e) {
        FAIL() << caf::to_string(e);
      });
  ASSERT_EQ(page.entries.size(), 4u);
  EXPECT_EQ(page.entries[3].name, "d");
  EXPECT_EQ(page.continuation_token, "d");
  list_query missing{"nope", "", "", 4};
  auto h2 = self->request(proxy_handle, caf::infinite, atom::list_v, missing);
  sched.run();
  h2.receive(
      [](list_page&) {
        FAIL() << "listed a missing bucket";
      },
      [](caf::error& e) {
        EXPECT_EQ(from_caf_error(e).code, ec::not_found);
      });
}

} // namespace
} // namespace moss
