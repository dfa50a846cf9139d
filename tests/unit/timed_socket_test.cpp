#include "http/timed_socket.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

/// A file of `size` random bytes; returns its descriptor and the bytes.
std::pair<int, std::string> random_file(const std::string& path, size_t size) {
  std::mt19937 rng{7};
  std::string bytes(size, '\0');
  for (auto& c : bytes)
    c = static_cast<char>(rng());
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_EQ(::write(fd, bytes.data(), size), static_cast<ssize_t>(size));
  return {fd, bytes};
}

/// Runs `send` on one end of a stream socket pair (non-blocking, as the
/// server's sockets are) and returns everything read from the other end.
template <class Send>
std::string received(Send send) {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ::fcntl(sv[0], F_SETFL, O_NONBLOCK);
  std::thread sender{[&] {
    send(sv[0]);
    ::shutdown(sv[0], SHUT_WR);
  }};
  std::string got;
  char buf[65536];
  for (ssize_t n; (n = ::read(sv[1], buf, sizeof(buf))) > 0;)
    got.append(buf, static_cast<size_t>(n));
  sender.join();
  ::close(sv[0]);
  ::close(sv[1]);
  return got;
}

class send_file_test : public ::testing::TestWithParam<bool> {};

TEST_P(send_file_test, sends_exactly_the_range) {
  test::temp_dir dir;
  // Larger than the copy buffer, and not a multiple of it.
  auto [fd, bytes] = random_file(dir.path() + "/f", (3 << 20) + 123);
  bool ok = false;
  auto got = received([&, fd = fd](int sock) {
    http::timed_socket s{sock, 5000, 5000, GetParam()};
    ok = s.send_file(fd, 1000, 700'001) && s.send_file(fd, 0, 10)
         && s.send_file(fd, 5, 0);
  });
  EXPECT_TRUE(ok);
  ASSERT_EQ(got.size(), 700'011u);
  EXPECT_EQ(got.substr(0, 700'001), bytes.substr(1000, 700'001));
  EXPECT_EQ(got.substr(700'001), bytes.substr(0, 10));
  ::close(fd);
}

TEST_P(send_file_test, a_file_shorter_than_promised_fails) {
  test::temp_dir dir;
  auto [fd, bytes] = random_file(dir.path() + "/f", 300'000);
  bool ok = true;
  auto got = received([&, fd = fd](int sock) {
    http::timed_socket s{sock, 5000, 5000, GetParam()};
    ok = s.send_file(fd, 100'000, 300'000);
  });
  EXPECT_FALSE(ok);
  // What the file had went out; the caller cuts the response.
  EXPECT_EQ(got, bytes.substr(100'000));
  ::close(fd);
}

std::string mode_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "sendfile" : "copy";
}

INSTANTIATE_TEST_SUITE_P(zero_copy, send_file_test, ::testing::Bool(),
                         mode_name);

} // namespace
} // namespace moss
