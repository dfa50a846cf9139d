#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace moss::http {

/// Threads that serve accepted connections and then wait a while for the
/// next one. Most clients open a connection per request (curl, and every
/// AIStore client on the 307 to a target): a fresh thread for each costs a
/// clone and fresh stack pages, which on a virtual machine is a good part
/// of a small request's time.
class connection_threads {
 public:
  /// Idle threads end after `linger` without work.
  explicit connection_threads(std::chrono::milliseconds linger);
  /// Wakes idle threads so that they end; busy ones end after their job.
  ~connection_threads();
  connection_threads(const connection_threads&) = delete;
  connection_threads& operator=(const connection_threads&) = delete;

  /// Runs `job` on an idle thread, or on a new one when none is idle.
  void run(std::function<void()> job);

  /// Threads waiting for work right now.
  size_t idle() const;

 private:
  struct shared;
  /// Runs `job`, then the jobs handed to it while idle, on the calling
  /// thread.
  static void serve(const std::shared_ptr<shared>& s,
                    std::function<void()> job);

  std::shared_ptr<shared> shared_;
};

} // namespace moss::http
