#include "core/listing.hpp"
#include "http/list_encoding.hpp"
#include "http/status.hpp"
#include "http/url.hpp"

#include <gtest/gtest.h>
#include <msgpack.hpp>

namespace moss {
namespace {

TEST(url, segments_are_decoded_one_by_one) {
  auto t = http::parse_target("/v1/objects/b/a%2Fb/c%20d%3F%23?provider=ais&"
                              "x=1%202&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments,
            (std::vector<std::string>{"v1", "objects", "b", "a/b", "c d?#"}));
  EXPECT_EQ(http::join_segments(t->segments, 3), "a/b/c d?#");
  EXPECT_EQ(t->param("provider"), "ais");
  EXPECT_EQ(t->param("x"), "1 2");
  EXPECT_EQ(t->param("flag"), "");
  EXPECT_EQ(t->raw_query, "provider=ais&x=1%202&flag");
}

TEST(url, malformed_escapes_are_errors) {
  EXPECT_FALSE(http::parse_target("/v1/objects/b/%zz"));
  EXPECT_FALSE(http::parse_target("/v1/objects/b/%4"));
  EXPECT_FALSE(http::parse_target("no-slash"));
}

TEST(url, encoding_round_trips) {
  std::string name = "dir/ü ?#%&=.bin";
  auto encoded = http::percent_encode_path(name);
  EXPECT_EQ(encoded, "dir/%C3%BC%20%3F%23%25%26%3D.bin");
  EXPECT_EQ(*http::percent_decode(encoded), name);
}

TEST(status, every_error_code_has_a_status) {
  EXPECT_EQ(http::to_status(ec::invalid_argument), 400);
  EXPECT_EQ(http::to_status(ec::not_found), 404);
  EXPECT_EQ(http::to_status(ec::already_exists), 409);
  EXPECT_EQ(http::to_status(ec::too_large), 413);
  EXPECT_EQ(http::to_status(ec::range_not_satisfiable), 416);
  EXPECT_EQ(http::to_status(ec::throttled), 429);
  EXPECT_EQ(http::to_status(ec::insufficient_storage), 507);
}

list_page sample_page() {
  list_page page;
  page.entries.push_back({"a/1", object_meta{10, 0xabc, 2, 0}});
  page.entries.push_back({"b", object_meta{0, 0, 1, 1'000'000'000}});
  page.continuation_token = "b";
  return page;
}

TEST(list_encoding, msgpack_matches_the_aistore_lsores_shape) {
  auto bytes = http::encode_list_msgpack(sample_page(), "u1");
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  std::map<std::string, msgpack::object> top;
  handle.get().convert(top);
  EXPECT_EQ(top.at("UUID").as<std::string>(), "u1");
  EXPECT_EQ(top.at("ContinuationToken").as<std::string>(), "b");
  EXPECT_EQ(top.at("Flags").as<int>(), 0);
  auto entries = top.at("Entries").as<std::vector<msgpack::object>>();
  ASSERT_EQ(entries.size(), 2u);
  std::map<std::string, msgpack::object> first;
  entries[0].convert(first);
  EXPECT_EQ(first.at("n").as<std::string>(), "a/1");
  EXPECT_EQ(first.at("s").as<int64_t>(), 10);
  EXPECT_EQ(first.at("cs").as<std::string>(), "0000000000000abc");
  EXPECT_EQ(first.at("v").as<std::string>(), "2");
  for (auto key : {"n", "cs", "a", "v", "t", "s", "c", "f"})
    EXPECT_TRUE(first.count(key)) << key;
}

TEST(list_encoding, an_empty_page_has_nil_entries) {
  auto bytes = http::encode_list_msgpack(list_page{}, "u");
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  std::map<std::string, msgpack::object> top;
  handle.get().convert(top);
  EXPECT_TRUE(top.at("Entries").is_nil());
  EXPECT_EQ(top.at("ContinuationToken").as<std::string>(), "");
}

TEST(list_encoding, json_names_every_field) {
  auto json = http::encode_list_json(sample_page(), "u1");
  EXPECT_NE(json.find(R"("continuation_token":"b")"), std::string::npos);
  EXPECT_NE(json.find(R"("name":"a/1","size":10)"), std::string::npos);
  EXPECT_EQ(http::format_http_date(1'000'000'000),
            "Thu, 01 Jan 1970 00:00:01 GMT");
}

TEST(listing, merge_sorts_truncates_and_sets_the_token) {
  list_query q;
  q.page_size = 3;
  std::vector<list_page> pages(2);
  for (auto n : {"a", "d", "e"})
    pages[0].entries.push_back({n, {}});
  for (auto n : {"b", "c"})
    pages[1].entries.push_back({n, {}});
  auto merged = merge_pages(pages, q);
  ASSERT_EQ(merged.entries.size(), 3u);
  EXPECT_EQ(merged.entries[2].name, "c");
  EXPECT_EQ(merged.continuation_token, "c");
  q.page_size = 10;
  auto last = merge_pages(pages, q);
  EXPECT_EQ(last.entries.size(), 5u);
  EXPECT_EQ(last.continuation_token, "");
}

} // namespace
} // namespace moss
