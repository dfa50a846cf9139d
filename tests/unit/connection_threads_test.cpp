#include "http/connection_threads.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace moss {
namespace {

using namespace std::chrono_literals;

/// Polls `done` every millisecond for up to five seconds.
template <class Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 5000; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

bool thread_alive(pid_t tid) {
  return std::filesystem::exists("/proc/self/task/" + std::to_string(tid));
}

/// Jobs that note the kernel thread they ran on.
struct thread_log {
  std::mutex m;
  std::set<pid_t> tids;
  size_t jobs = 0;

  std::function<void()> job() {
    return [this] {
      std::lock_guard guard{m};
      tids.insert(::gettid());
      ++jobs;
    };
  }
  size_t ran() {
    std::lock_guard guard{m};
    return jobs;
  }
  bool all_gone() {
    std::lock_guard guard{m};
    for (auto tid : tids)
      if (thread_alive(tid))
        return false;
    return true;
  }
};

TEST(connection_threads, a_finished_thread_serves_the_next_job) {
  http::connection_threads threads{10s};
  std::mutex m;
  std::vector<std::thread::id> ran;
  auto job = [&] {
    std::lock_guard guard{m};
    ran.push_back(std::this_thread::get_id());
  };
  threads.run(job);
  ASSERT_TRUE(eventually([&] {
    return threads.idle() == 1;
  }));
  threads.run(job);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard guard{m};
    return ran.size() == 2;
  }));
  EXPECT_EQ(ran[0], ran[1]);
  EXPECT_NE(ran[0], std::this_thread::get_id());
}

TEST(connection_threads, jobs_that_overlap_run_at_the_same_time) {
  // Each job waits for all the others: run one after another, none would
  // ever finish.
  http::connection_threads threads{10s};
  constexpr int jobs = 8;
  std::mutex m;
  std::condition_variable all_in;
  int started = 0;
  std::atomic<int> finished{0};
  for (int i = 0; i < jobs; ++i)
    threads.run([&] {
      std::unique_lock guard{m};
      ++started;
      all_in.notify_all();
      if (all_in.wait_for(guard, 5s, [&] {
            return started == jobs;
          }))
        ++finished;
    });
  ASSERT_TRUE(eventually([&] {
    return threads.idle() == jobs;
  }));
  EXPECT_EQ(finished.load(), jobs);
}

TEST(connection_threads, idle_threads_end_after_the_linger_time) {
  http::connection_threads threads{20ms};
  thread_log log;
  for (int i = 0; i < 3; ++i)
    threads.run(log.job());
  ASSERT_TRUE(eventually([&] {
    return log.ran() == 3;
  }));
  EXPECT_TRUE(eventually([&] {
    return threads.idle() == 0;
  }));
  EXPECT_TRUE(eventually([&] {
    return log.all_gone();
  }));
}

TEST(connection_threads, destruction_ends_idle_threads_at_once) {
  std::optional<http::connection_threads> threads{std::in_place, 1h};
  thread_log log;
  for (int i = 0; i < 3; ++i)
    threads->run(log.job());
  ASSERT_TRUE(eventually([&] {
    return log.ran() == 3;
  }));
  ASSERT_TRUE(eventually([&] {
    return threads->idle() > 0;
  }));
  EXPECT_FALSE(log.all_gone());
  threads.reset();
  // Well within the linger time of an hour.
  EXPECT_TRUE(eventually([&] {
    return log.all_gone();
  }));
}

} // namespace
} // namespace moss
