#pragma once

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <thread>

namespace moss::http {

/// Accepts connections on a listening socket on a thread of its own, until
/// stopped, and hands each to a callback (which owns the descriptor).
class accept_thread {
 public:
  using on_accept = std::function<void(int fd, const sockaddr_storage& peer)>;

  accept_thread() = default;
  ~accept_thread();
  accept_thread(const accept_thread&) = delete;
  accept_thread& operator=(const accept_thread&) = delete;

  /// Starts accepting on `listen_fd`, which it owns from now on; accepted
  /// descriptors get SOCK_CLOEXEC and `flags`.
  void start(int listen_fd, int flags, on_accept handle);

  /// Stops accepting and closes the listening socket; returns once the
  /// thread is gone.
  void stop();

 private:
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace moss::http
