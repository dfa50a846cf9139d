#include "http/span_handoff.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

using namespace std::chrono_literals;

TEST(span_handoff, a_span_comes_over_as_its_own_descriptor_once) {
  test::temp_dir dir;
  auto path = dir.path() + "/f";
  std::string bytes = "0123456789abcdefghijklmnopqrstuvwxyz";
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
  span_registry spans{16, 60s};
  http::span_handoff_server server{spans};
  auto name = server.start();
  ASSERT_TRUE(name) << name.error().message;
  auto token = spans.put(std::make_shared<file_span>(fd, 10, 20));
  auto link = http::span_handoff_link::connect(*name, 2000);
  ASSERT_TRUE(link) << link.error().message;
  auto span = link->take(token);
  ASSERT_TRUE(span) << span.error().message;
  EXPECT_EQ((*span)->offset(), 10u);
  EXPECT_EQ((*span)->length(), 20u);
  EXPECT_EQ((*span)->read(), bytes.substr(10, 20));
  // Single use: the registry gave it away.
  auto again = link->take(token);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ec::not_found);
  EXPECT_NE(again.error().message.find(token), std::string::npos);
  // The connection still serves the next span.
  int fd2 = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  auto token2 = spans.put(std::make_shared<file_span>(fd2, 0, 5));
  auto span2 = link->take(token2);
  ASSERT_TRUE(span2) << span2.error().message;
  EXPECT_EQ((*span2)->read(), "01234");
}

TEST(span_handoff, stopping_ends_open_connections) {
  test::temp_dir dir;
  auto path = dir.path() + "/f";
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  span_registry spans{16, 60s};
  auto token = spans.put(std::make_shared<file_span>(fd, 0, 0));
  http::span_handoff_server server{spans};
  auto name = server.start();
  ASSERT_TRUE(name) << name.error().message;
  auto link = http::span_handoff_link::connect(*name, 2000);
  ASSERT_TRUE(link) << link.error().message;
  server.stop(); // returns once the connection's thread is gone
  auto span = link->take(token);
  ASSERT_FALSE(span);
  EXPECT_EQ(span.error().code, ec::unavailable);
}

TEST(span_handoff, a_name_nobody_listens_under_is_not_found) {
  auto link
      = http::span_handoff_link::connect("moss-spans-nobody-listens", 1000);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, ec::not_found);
}

} // namespace
} // namespace moss
