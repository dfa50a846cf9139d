#include "http/span_handoff.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace moss::http {

namespace {

/// Longest token accepted (they are 32 hex digits).
constexpr size_t max_token_bytes = 128;

struct handoff_answer {
  uint8_t ok = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t message_length = 0;
};

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    auto n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0)
      got += static_cast<size_t>(n);
  }
  std::string hex(2 * bytes, '0');
  for (size_t i = 0; i < bytes; ++i)
    std::snprintf(hex.data() + 2 * i, 3, "%02x",
                  static_cast<unsigned char>(raw[i]));
  return hex;
}

/// The address of abstract socket `name` (a leading NUL, no file).
socklen_t abstract_address(const std::string& name, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  auto n = std::min(name.size(), sizeof(addr.sun_path) - 1);
  std::memcpy(addr.sun_path + 1, name.data(), n);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
}

bool send_all(int fd, const void* data, size_t size) {
  auto p = static_cast<const char*>(data);
  while (size > 0) {
    auto n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

/// Answers one span; false when the connection is gone.
bool answer(int fd, span_registry& spans, const std::string& token) {
  handoff_answer a;
  auto span = spans.take(token);
  std::string message;
  if (!span) {
    message
        = "no span " + token + " on this target: collected already or expired";
    a.message_length = static_cast<uint32_t>(message.size());
  } else {
    a.ok = 1;
    a.offset = span->offset();
    a.length = span->length();
  }
  iovec iov{&a, sizeof(a)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (span) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    auto* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int span_fd = span->fd();
    std::memcpy(CMSG_DATA(c), &span_fd, sizeof(int));
  }
  ssize_t n;
  do
    n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof(a)))
    return false;
  if (span)
    metrics::add_span_handoff();
  return message.empty() || send_all(fd, message.data(), message.size());
}

/// Answers the tokens `fd` sends until it closes or fails.
void serve_tokens(int fd, span_registry& spans) {
  std::string token;
  char buf[256];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    bool ok = true;
    for (ssize_t i = 0; i < n && ok; ++i) {
      if (buf[i] != '\n') {
        token += buf[i];
        ok = token.size() <= max_token_bytes;
        continue;
      }
      ok = answer(fd, spans, token);
      token.clear();
    }
    if (!ok)
      break;
  }
}

} // namespace

span_handoff_server::span_handoff_server(span_registry& spans) : spans_(spans) {
  // nop
}

span_handoff_server::~span_handoff_server() {
  stop();
}

expected<std::string> span_handoff_server::start() {
  auto name = "moss-spans-" + random_hex(16);
  int listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr;
  auto len = abstract_address(name, addr);
  if (listen_fd < 0
      || ::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || ::listen(listen_fd, 64) != 0) {
    auto why = std::string{"cannot listen for span handoffs: "}
               + std::strerror(errno);
    if (listen_fd >= 0)
      ::close(listen_fd);
    return make_error(ec::io_error, why);
  }
  acceptor_.start(listen_fd, 0, [this](int fd, const sockaddr_storage&) {
    admit(fd);
  });
  return name;
}

void span_handoff_server::stop() {
  acceptor_.stop();
  std::unique_lock lock{mtx_};
  for (int fd : connections_)
    ::shutdown(fd, SHUT_RDWR);
  idle_.wait_for(lock, std::chrono::seconds{5}, [this] {
    return connections_.empty();
  });
}

void span_handoff_server::serve(int fd) {
  serve_tokens(fd, spans_);
  std::lock_guard guard{mtx_};
  connections_.erase(fd);
  ::close(fd);
  idle_.notify_all();
}

void span_handoff_server::admit(int fd) {
  ucred who{};
  socklen_t len = sizeof(who);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &who, &len) != 0
      || who.uid != ::getuid()) {
    log::warn("span handoff refused to uid ", who.uid, " (pid ", who.pid, ")");
    ::close(fd);
    return;
  }
  std::lock_guard guard{mtx_};
  connections_.insert(fd);
  threads_.run([this, fd] {
    serve(fd);
  });
}

span_handoff_link::~span_handoff_link() {
  if (fd_ >= 0)
    ::close(fd_);
}

span_handoff_link::span_handoff_link(span_handoff_link&& other) noexcept
    : fd_(other.fd_) {
  other.fd_ = -1;
}

span_handoff_link&
span_handoff_link::operator=(span_handoff_link&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

expected<span_handoff_link> span_handoff_link::connect(const std::string& name,
                                                       int timeout_ms) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return make_error(ec::io_error,
                      std::string{"socket: "} + std::strerror(errno));
  span_handoff_link link{fd};
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_un addr;
  auto len = abstract_address(name, addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0)
    return make_error(
        errno == ECONNREFUSED || errno == ENOENT ? ec::not_found : ec::io_error,
        "span handoff socket " + name + ": " + std::strerror(errno));
  return link;
}

expected<std::shared_ptr<const file_span>>
span_handoff_link::take(const std::string& token) {
  auto line = token + "\n";
  if (!send_all(fd_, line.data(), line.size()))
    return make_error(ec::unavailable, "the holder closed its handoff socket");
  handoff_answer a;
  iovec iov{&a, sizeof(a)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do
    n = ::recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  while (n < 0 && errno == EINTR);
  int span_fd = -1;
  for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(&span_fd, CMSG_DATA(c), sizeof(int));
  if (n != static_cast<ssize_t>(sizeof(a))) {
    if (span_fd >= 0)
      ::close(span_fd);
    return make_error(ec::unavailable,
                      n < 0
                          ? std::string{"span handoff: "} + std::strerror(errno)
                          : std::string{"the holder closed its handoff "
                                        "socket"});
  }
  if (a.ok == 1 && span_fd >= 0)
    return std::make_shared<const file_span>(span_fd, a.offset, a.length);
  if (span_fd >= 0)
    ::close(span_fd);
  std::string message(std::min<uint32_t>(a.message_length, 4096), '\0');
  if (!message.empty()
      && ::recv(fd_, message.data(), message.size(), MSG_WAITALL)
             != static_cast<ssize_t>(message.size()))
    return make_error(ec::unavailable, "the holder closed its handoff socket");
  return make_error(ec::not_found,
                    message.empty() ? "no descriptor came" : message);
}

} // namespace moss::http
