#include "core/batch.hpp"
#include "core/names.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

TEST(names, accepts_ordinary_object_names) {
  for (auto name : {"a", "a/b/c.jpg", "with space", "üñíçødé/ß",
                    "?#%&=", "x.tar.gz", ".hidden", "a..b", "~tilde"})
    EXPECT_TRUE(validate_object_name(name)) << name;
}

TEST(names, rejects_names_that_escape_or_are_ambiguous) {
  struct bad_case {
    std::string name;
    std::string reason;
  };
  std::vector<bad_case> cases{
      {"", "empty"},
      {"/etc/passwd", "start with '/'"},
      {"~/x", "'~/'"},
      {"dir/", "end with '/'"},
      {"..", "'..'"},
      {"a/../b", "'..'"},
      {"./a", "'.'"},
      {"a//b", "empty path component"},
      {std::string("a\0b", 3), "NUL"},
      {"\xff\xfe", "UTF-8"},
      {"\xc0\xaf", "UTF-8"}, // overlong '/'
      {std::string(1025, 'x'), "longer than 1024"},
      {std::string(256, 'y') + "/z", "component"},
  };
  for (auto& c : cases) {
    auto r = validate_object_name(c.name);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, ec::invalid_argument);
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << r.error().message;
  }
}

TEST(names, archpath_tolerates_one_leading_slash) {
  EXPECT_TRUE(validate_archpath("/a/b.wav"));
  EXPECT_TRUE(validate_archpath("a/b.wav"));
  EXPECT_FALSE(validate_archpath("//a"));
  EXPECT_FALSE(validate_archpath("./a"));
  EXPECT_FALSE(validate_archpath("a/../../b"));
}

TEST(names, bucket_names) {
  EXPECT_TRUE(validate_bucket_name("imagenet-1k_v2.0"));
  EXPECT_FALSE(validate_bucket_name(""));
  EXPECT_FALSE(validate_bucket_name(".sys"));
  EXPECT_FALSE(validate_bucket_name("a/b"));
  EXPECT_FALSE(validate_bucket_name("sp ace"));
  EXPECT_FALSE(validate_bucket_name(std::string(65, 'b')));
}

TEST(names, providers_normalize_like_aistore) {
  EXPECT_EQ(*normalize_provider(""), "ais");
  EXPECT_EQ(*normalize_provider("s3"), "aws");
  EXPECT_EQ(*normalize_provider("gs"), "gcp");
  EXPECT_EQ(*normalize_provider("az"), "azure");
  EXPECT_EQ(*normalize_provider("oc"), "oci");
  EXPECT_FALSE(normalize_provider("ftp"));
}

TEST(names, display_names_use_the_ais_scheme) {
  EXPECT_EQ(display_name("b"), "ais://b");
  EXPECT_EQ(display_name("b", "x/y"), "ais://b/x/y");
}

} // namespace
} // namespace moss

namespace moss {
namespace {

TEST(names, sanitize_replaces_only_bad_sequences) {
  EXPECT_EQ(sanitize_utf8("ok ü"), "ok ü");
  EXPECT_EQ(sanitize_utf8("a\xff"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xc0\xaf\xed\xa0\x80")));
}

TEST(batch_plan, owners_are_kept_as_indices_into_the_target_ids) {
  batch_plan plan;
  for (auto id : {"t2", "t1", "t2", "t3", "t1"})
    plan.add_owner(id);
  EXPECT_EQ(plan.owner_ids, (std::vector<std::string>{"t2", "t1", "t3"}));
  EXPECT_EQ(plan.owners, (std::vector<uint16_t>{0, 1, 0, 2, 1}));
  EXPECT_EQ(plan.owner_of(3), "t3");
  EXPECT_EQ(plan.owner_of(4), "t1");
}

} // namespace
} // namespace moss
