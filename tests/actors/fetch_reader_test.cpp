#include "actors/target/fetch_reader.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

class known_sizes_test : public ::testing::Test {
 protected:
  known_sizes_test() : store({dir.path() + "/mp1"}) {
    EXPECT_TRUE(store.init());
    for (auto& [name, data] : {std::pair{"x", "12345"}, {"y", "123"}}) {
      auto w = store.create("b", name);
      EXPECT_TRUE(w && w->append(data, std::strlen(data)) && w->commit());
    }
  }

  fetch_request check(std::vector<std::string> names) {
    fetch_request req;
    req.stat_only = true;
    uint32_t index = 0;
    for (auto& n : names) {
      fetch_item item;
      item.index = index++;
      item.bucket = "b";
      item.objname = n;
      req.items.push_back(item);
    }
    return req;
  }

  test::temp_dir dir;
  object_store store;
};

TEST_F(known_sizes_test, sizes_not_looked_at_yet_go_to_a_reader) {
  EXPECT_FALSE(answer_from_known_sizes(store, check({"x", "y"})));
  ASSERT_TRUE(store.size_of("b", "x"));
  EXPECT_FALSE(answer_from_known_sizes(store, check({"x", "y"})))
      << "one entry unknown: the whole part goes to a reader";
}

TEST_F(known_sizes_test, known_sizes_answer_with_totals_and_range_errors) {
  ASSERT_TRUE(store.size_of("b", "x"));
  ASSERT_TRUE(store.size_of("b", "y"));
  auto req = check({"y", "x", "x"});
  req.items[2].start = 2;
  req.items[2].length = 10; // past the end of 5 bytes
  auto reply = answer_from_known_sizes(store, req);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->results.size(), 3u);
  EXPECT_EQ(reply->results[0].index, 0u);
  EXPECT_EQ(reply->results[0].total, 3u);
  EXPECT_EQ(reply->results[1].total, 5u);
  EXPECT_TRUE(reply->results[1].complete);
  EXPECT_EQ(reply->results[1].code, ec::no_error);
  EXPECT_EQ(reply->results[2].code, ec::range_not_satisfiable);
  // The same answers as the reader's, which looks at the disk.
  member_cache cache{1 << 20};
  auto read = serve_fetch(store, req, cache, archive::shard_limits{});
  ASSERT_EQ(read.results.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read.results[i].code, reply->results[i].code);
    EXPECT_EQ(read.results[i].total, reply->results[i].total);
    EXPECT_EQ(read.results[i].error, reply->results[i].error);
  }
}

TEST_F(known_sizes_test, files_in_shards_and_fetches_are_not_answered) {
  ASSERT_TRUE(store.size_of("b", "x"));
  auto req = check({"x"});
  req.items[0].archpath = "a.txt";
  EXPECT_FALSE(answer_from_known_sizes(store, req)) << "needs the shard";
  auto fetch = check({"x"});
  fetch.stat_only = false;
  EXPECT_FALSE(answer_from_known_sizes(store, fetch)) << "needs the bytes";
}

TEST_F(known_sizes_test, an_overwrite_sends_the_check_back_to_the_disk) {
  ASSERT_TRUE(store.size_of("b", "x"));
  auto w = store.create("b", "x");
  ASSERT_TRUE(w && w->append("1", 1) && w->commit());
  EXPECT_FALSE(answer_from_known_sizes(store, check({"x"})));
}

} // namespace
} // namespace moss
