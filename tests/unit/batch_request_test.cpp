#include "core/batch.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

expected<batch_request> parse(const std::string& body) {
  return parse_batch_request(body, "urlb", "", 100000);
}

TEST(batch_request, keys_match_ascii_case_insensitively_like_go) {
  auto req = parse(R"({"In":[{"OBJNAME":"a","Bucket":"b","ArchPath":"x/y",)"
                   R"("START":2,"length":3}],"STRM":true})");
  ASSERT_TRUE(req) << req.error().message;
  ASSERT_EQ(req->entries.size(), 1u);
  auto& e = req->entries[0];
  EXPECT_EQ(e.objname, "a");
  EXPECT_EQ(e.bucket, "b");
  EXPECT_EQ(e.provider, "ais");
  EXPECT_EQ(e.archpath, "x/y");
  EXPECT_EQ(e.start, 2);
  EXPECT_EQ(e.length, 3);
  EXPECT_TRUE(req->strm);
}

TEST(batch_request, the_first_of_keys_that_differ_in_case_counts) {
  auto req = parse(R"({"in":[{"objname":"first","ObjName":"second"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->entries[0].objname, "first");
  EXPECT_EQ(req->entries[0].bucket, "urlb");
}

TEST(batch_request, keys_that_only_fold_like_letters_do_not_match) {
  // '@' | 0x20 is '`', '[' | 0x20 is '{': neither is a letter of a key.
  auto req = parse(R"({"in":[{"objname":"a","@rchpath":"x","buck[t":"c"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->entries[0].archpath, "");
  EXPECT_EQ(req->entries[0].bucket, "urlb");
}

TEST(batch_request, a_field_of_the_wrong_type_is_named_with_its_entry) {
  auto req = parse(R"({"in":[{"objname":"a"},{"objname":5}]})");
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().code, ec::invalid_argument);
  EXPECT_EQ(req.error().message, R"(in[1]: "objname" must be a string)");
  req = parse(R"({"in":[{"objname":"a","Start":"0"}]})");
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().message, R"(in[0]: "start" must be an integer)");
}

TEST(batch_request, every_bucket_is_validated_even_after_a_run_of_good_ones) {
  auto req = parse(R"({"in":[{"objname":"a","bucket":"good"},)"
                   R"({"objname":"b","bucket":"good"},)"
                   R"({"objname":"c","bucket":".bad"},)"
                   R"({"objname":"d","bucket":"good"}]})");
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().message.rfind("in[2]: invalid bucket name", 0), 0u)
      << req.error().message;
  req = parse(R"({"in":[{"objname":"a","bucket":"good"},)"
              R"({"objname":"b","bucket":"other"},)"
              R"({"objname":"c","bucket":"good"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->entries[2].bucket, "good");
}

TEST(batch_request, an_unknown_provider_fails_whatever_names_the_bucket) {
  for (auto entry :
       {R"({"objname":"a","provider":"nope"})",
        R"({"objname":"a","provider":"nope","bucket":"b"})",
        R"({"objname":"a","provider":"nope","uname":"ais/@#/b/"})"}) {
    auto req = parse(std::string{R"({"in":[)"} + entry + "]}");
    ASSERT_FALSE(req) << entry;
    EXPECT_EQ(req.error().message, R"(in[0]: unknown provider "nope")")
        << entry;
  }
}

} // namespace
} // namespace moss
