#include "http/connection_threads.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace moss::http {

struct connection_threads::shared {
  std::chrono::milliseconds linger;
  mutable std::mutex mutex;
  std::condition_variable wake;
  /// Jobs handed to idle threads; never more than the threads that were
  /// idle when they came, so each has a thread on its way.
  std::deque<std::function<void()>> jobs;
  /// Idle threads not yet promised a job.
  size_t idle = 0;
  bool stopping = false;
};

void connection_threads::serve(const std::shared_ptr<shared>& s,
                               std::function<void()> job) {
  for (;;) {
    job();
    job = nullptr;
    std::unique_lock guard{s->mutex};
    if (s->stopping)
      return;
    ++s->idle;
    auto deadline = std::chrono::steady_clock::now() + s->linger;
    while (s->jobs.empty() && !s->stopping
           && s->wake.wait_until(guard, deadline) != std::cv_status::timeout) {
      // woken: look again
    }
    if (s->jobs.empty()) {
      // Timed out or stopping, with no job promised to this thread.
      --s->idle;
      return;
    }
    job = std::move(s->jobs.front());
    s->jobs.pop_front();
  }
}

connection_threads::connection_threads(std::chrono::milliseconds linger)
    : shared_(std::make_shared<shared>()) {
  shared_->linger = linger;
}

connection_threads::~connection_threads() {
  std::lock_guard guard{shared_->mutex};
  shared_->stopping = true;
  shared_->wake.notify_all();
}

void connection_threads::run(std::function<void()> job) {
  {
    std::lock_guard guard{shared_->mutex};
    if (shared_->idle > 0 && !shared_->stopping) {
      --shared_->idle;
      shared_->jobs.push_back(std::move(job));
      shared_->wake.notify_one();
      return;
    }
  }
  std::thread{[s = shared_, job = std::move(job)]() mutable {
    serve(s, std::move(job));
  }}.detach();
}

size_t connection_threads::idle() const {
  std::lock_guard guard{shared_->mutex};
  return shared_->idle;
}

} // namespace moss::http
