#include "http/accept_thread.hpp"

#include <poll.h>
#include <unistd.h>

namespace moss::http {

accept_thread::~accept_thread() {
  stop();
}

void accept_thread::start(int listen_fd, int flags, on_accept handle) {
  listen_fd_ = listen_fd;
  thread_ = std::thread{[this, flags, handle = std::move(handle)] {
    while (!stopping_) {
      // A bounded wait, so that `stop` is noticed.
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0)
        continue;
      sockaddr_storage peer{};
      socklen_t len = sizeof(peer);
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                         SOCK_CLOEXEC | flags);
      if (fd >= 0)
        handle(fd, peer);
    }
  }};
}

void accept_thread::stop() {
  if (stopping_.exchange(true))
    return;
  if (thread_.joinable())
    thread_.join();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  listen_fd_ = -1;
}

} // namespace moss::http
