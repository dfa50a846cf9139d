#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace moss {

/// One reading of a target's load.
struct load_sample {
  uint64_t mem_total = 0;
  /// Available memory: MemAvailable, or what the cgroup limit leaves.
  uint64_t mem_available = 0;
  /// Busy share of all CPUs since the previous sample, 0..100.
  double cpu_pct = 0;
  /// Busiest mountpath device since the previous sample, 0..100.
  double disk_pct = 0;
  /// Live GetBatch work items on this target.
  uint64_t pending = 0;
};

/// Where "high" and "critical" start (the `get_batch` config section).
struct load_marks {
  uint64_t pending_high = 96;
  uint64_t pending_critical = 256;
  double memory_high_pct = 90;
  double memory_critical_pct = 97;
  double cpu_high_pct = 90;
  double disk_high_pct = 80;
  double disk_critical_pct = 95;
  /// The pause at high load from pending work items or memory (a busy CPU
  /// or disk only gets 1 ms, a saturated disk ten times this).
  uint32_t high_sleep_ms = 10;
};

enum class load_level { ok, high, critical };

const char* to_string(load_level lvl);

/// What admission should do now.
struct load_advice {
  load_level level = load_level::ok;
  /// Sleep before starting a work item (high load).
  uint32_t sleep_ms = 0;
  /// Why, for the 429 message and the logs ("pending work items 300 >= 256").
  std::string reason;
};

/// The policy: memory and pending work items are hard limits (critical:
/// reject), CPU and disk only slow new work down.
load_advice advise(const load_sample& s, const load_marks& marks);

/// The latest advice, written by the throttle actor, read by any thread.
class advice_board {
 public:
  load_advice current() const {
    std::lock_guard guard{mtx_};
    return advice_;
  }
  load_sample last_sample() const {
    std::lock_guard guard{mtx_};
    return sample_;
  }
  void publish(load_sample s, load_advice a) {
    std::lock_guard guard{mtx_};
    sample_ = s;
    advice_ = std::move(a);
  }

 private:
  mutable std::mutex mtx_;
  load_sample sample_;
  load_advice advice_;
};

/// Reads memory, CPU and disk from /proc (and the cgroup, if limited). CPU
/// and disk are shares of the time since the previous call.
class load_sampler {
 public:
  /// @param mountpaths whose devices count for disk utilization.
  explicit load_sampler(const std::vector<std::string>& mountpaths);
  load_sample sample(uint64_t pending);

 private:
  std::vector<std::string> devices_;
  uint64_t cpu_busy_ = 0;
  uint64_t cpu_total_ = 0;
  std::vector<uint64_t> io_ticks_;
  uint64_t last_ms_ = 0;
};

} // namespace moss
