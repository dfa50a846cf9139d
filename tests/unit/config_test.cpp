#include "config/config.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

using namespace std::chrono_literals;

TEST(config, embedded_defaults_match_aistore) {
  auto cfg = parse_config("");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->proxy.http_port, 51080);
  EXPECT_EQ(cfg->cluster.targets, 3);
  EXPECT_EQ(cfg->cluster.data_dir, "./moss-data");
  EXPECT_EQ(cfg->get_batch.max_wait, duration{20s});
  EXPECT_EQ(cfg->get_batch.warmup_workers, -1);
  EXPECT_EQ(cfg->get_batch.max_soft_errs, 8);
  EXPECT_EQ(cfg->get_batch.max_gfn, 5);
  EXPECT_EQ(cfg->shards.max_ratio, 200u);
  EXPECT_EQ(cfg->shards.member_cache_bytes, 256ull << 20);
}

TEST(config, file_values_and_overrides_apply_in_order) {
  auto cfg = parse_config(
      R"({"proxy": {"http_port": 9000},
                              "get_batch": {"max_wait": "5s"}})",
      {"get_batch.max_wait=1500ms", "log_level=debug", "cluster.targets=5"});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->proxy.http_port, 9000);
  EXPECT_EQ(cfg->get_batch.max_wait, duration{1500});
  EXPECT_EQ(cfg->log_level, "debug");
  EXPECT_EQ(cfg->cluster.targets, 5);
}

TEST(config, zero_selects_aistore_defaults) {
  auto cfg
      = parse_config("", {"get_batch.max_soft_errs=0", "get_batch.max_gfn=0"});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->get_batch.max_soft_errs, 8);
  EXPECT_EQ(cfg->get_batch.max_gfn, 5);
}

TEST(config, bad_input_is_refused_with_the_key_named) {
  struct bad_case {
    std::string json;
    std::vector<std::string> overrides;
    std::string needle;
  };
  std::vector<bad_case> cases{
      {"{", {}, "invalid JSON"},
      {"[]", {}, "JSON object"},
      {R"({"proxy": {"htp_port": 1}})", {}, "proxy.htp_port"},
      {R"({"proxy": {"http_port": "x"}})", {}, "proxy.http_port"},
      {"", {"proxy.http_port=70000"}, "proxy.http_port"},
      {"", {"get_batch.max_wait=forever"}, "get_batch.max_wait"},
      {"", {"get_batch.max_wait=2h"}, "get_batch.max_wait"},
      {"", {"nope=1"}, "nope"},
      {"", {"novalue"}, "key=value"},
      {"", {"get_batch.max_gfn=9"}, "max_gfn"},
      {"", {"log_level=loud"}, "log_level"},
      {"", {"http.zero_copy=sometimes"}, "http.zero_copy"},
      {"", {"get_batch=1"}, "section"},
  };
  for (auto& c : cases) {
    auto cfg = parse_config(c.json, c.overrides);
    ASSERT_FALSE(cfg) << c.needle;
    EXPECT_EQ(cfg.error().code, ec::invalid_argument);
    EXPECT_NE(cfg.error().message.find(c.needle), std::string::npos)
        << cfg.error().message;
  }
}

TEST(config, zero_copy_is_auto_unless_set) {
  EXPECT_EQ(parse_config("")->http.zero_copy, zero_copy_mode::automatic);
  EXPECT_EQ(parse_config("", {"http.zero_copy=always"})->http.zero_copy,
            zero_copy_mode::always);
  EXPECT_EQ(parse_config("", {"http.zero_copy=never"})->http.zero_copy,
            zero_copy_mode::never);
}

TEST(config, durations) {
  EXPECT_EQ(*parse_duration("250ms"), duration{250});
  EXPECT_EQ(*parse_duration("3s"), duration{3000});
  EXPECT_EQ(*parse_duration("3"), duration{3000});
  EXPECT_EQ(*parse_duration("2m"), duration{120000});
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("1 s"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(config, missing_file_is_an_error) {
  auto cfg = load_config("/nonexistent/moss.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("/nonexistent/moss.json"),
            std::string::npos);
}

TEST(config, the_documented_production_config_is_valid) {
  auto cfg = load_config(std::string{MOSS_SOURCE_DIR} + "/deploy/moss.json");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->cluster.host, "0.0.0.0");
  EXPECT_EQ(cfg->target.http_port, 51090);
  EXPECT_EQ(cfg->get_batch.window_bytes, 128u << 20);
  EXPECT_TRUE(cfg->auth.enabled);
  EXPECT_EQ(cfg->auth.public_key_file, "/etc/moss/auth-public.pem");
  EXPECT_TRUE(cfg->middleman.tls());
  EXPECT_EQ(cfg->middleman.tls_ca_file, "/etc/moss/tls/ca.pem");
}

TEST(config, auth_needs_a_key_and_a_join_token) {
  EXPECT_FALSE(parse_config("")->auth.enabled);
  auto no_key
      = parse_config("", {"auth.enabled=true", "middleman.join_token=j"});
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("auth.secret"), std::string::npos);
  auto no_join = parse_config("", {"auth.enabled=true", "auth.secret=s"});
  ASSERT_FALSE(no_join);
  EXPECT_NE(no_join.error().message.find("join_token"), std::string::npos);
  auto ok = parse_config(
      "", {"auth.enabled=true", "auth.secret=s", "middleman.join_token=j"});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->auth.enabled);
  auto not_bool = parse_config("", {"auth.enabled=yes"});
  ASSERT_FALSE(not_bool);
}

} // namespace
} // namespace moss
