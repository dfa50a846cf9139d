#include "core/span_registry.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <thread>

namespace moss {
namespace {

using namespace std::chrono_literals;

/// A span over one end of a fresh pipe (the registry never reads it).
std::shared_ptr<const file_span> some_span(int* fd_out = nullptr) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[1]);
  if (fd_out != nullptr)
    *fd_out = fds[0];
  return std::make_shared<const file_span>(fds[0], 0, 4096);
}

TEST(span_registry, a_token_gives_its_span_exactly_once) {
  span_registry reg{8, 60s};
  auto span = some_span();
  auto token = reg.put(span);
  ASSERT_EQ(token.size(), 32u);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.take(token), span);
  EXPECT_EQ(reg.take(token), nullptr);
  EXPECT_EQ(reg.take("not a token"), nullptr);
  EXPECT_EQ(reg.size(), 0u);
}

TEST(span_registry, tokens_differ) {
  span_registry reg{64, 60s};
  std::set<std::string> tokens;
  for (int i = 0; i < 50; ++i)
    tokens.insert(reg.put(some_span()));
  EXPECT_EQ(tokens.size(), 50u);
}

TEST(span_registry, a_full_registry_refuses_until_a_span_is_taken) {
  span_registry reg{2, 60s};
  auto a = reg.put(some_span());
  auto b = reg.put(some_span());
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  EXPECT_TRUE(reg.put(some_span()).empty());
  EXPECT_NE(reg.take(a), nullptr);
  EXPECT_FALSE(reg.put(some_span()).empty());
}

TEST(span_registry, uncollected_spans_expire_and_close_their_files) {
  span_registry reg{4, 1ms};
  int fd = -1;
  auto token = reg.put(some_span(&fd));
  ASSERT_GE(fd, 0);
  EXPECT_GE(::fcntl(fd, F_GETFD), 0);
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(reg.take(token), nullptr);
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the descriptor is closed";
}

TEST(span_registry, many_collected_tokens_do_not_pile_up) {
  span_registry reg{4, 60s};
  for (int i = 0; i < 10'000; ++i)
    ASSERT_NE(reg.take(reg.put(some_span())), nullptr);
  EXPECT_EQ(reg.size(), 0u);
}

} // namespace
} // namespace moss
