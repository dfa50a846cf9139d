#include "core/load.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace moss {

const char* to_string(load_level lvl) {
  switch (lvl) {
  case load_level::ok:
    return "ok";
  case load_level::high:
    return "high";
  case load_level::critical:
    return "critical";
  }
  return "?";
}

load_advice advise(const load_sample& s, const load_marks& m) {
  load_advice a;
  auto used_pct = s.mem_total == 0
                      ? 0.0
                      : 100.0
                            * static_cast<double>(s.mem_total - s.mem_available)
                            / static_cast<double>(s.mem_total);
  auto critical = [&](std::string why) {
    a.level = load_level::critical;
    a.reason = std::move(why);
    return a;
  };
  if (s.pending >= m.pending_critical)
    return critical("pending work items " + std::to_string(s.pending)
                    + " >= " + std::to_string(m.pending_critical));
  if (used_pct >= m.memory_critical_pct)
    return critical(
        "memory " + std::to_string(static_cast<int>(used_pct)) + "% used >= "
        + std::to_string(static_cast<int>(m.memory_critical_pct)) + "%");
  std::string why;
  if (s.pending >= m.pending_high)
    why = "pending work items " + std::to_string(s.pending);
  else if (used_pct >= m.memory_high_pct)
    why = "memory " + std::to_string(static_cast<int>(used_pct)) + "% used";
  else if (s.disk_pct >= m.disk_critical_pct)
    why = "disk " + std::to_string(static_cast<int>(s.disk_pct)) + "% busy";
  else if (s.disk_pct >= m.disk_high_pct)
    why = "disk " + std::to_string(static_cast<int>(s.disk_pct)) + "% busy";
  else if (s.cpu_pct >= m.cpu_high_pct)
    why = "cpu " + std::to_string(static_cast<int>(s.cpu_pct)) + "% busy";
  if (!why.empty()) {
    a.level = load_level::high;
    a.reason = why;
    // As AIStore: a busy CPU or disk only nudges (1 ms), since the batches
    // themselves keep them busy; many work items or scarce memory pause
    // for the configured time, a saturated disk for ten times that.
    auto pending_or_memory
        = s.pending >= m.pending_high || used_pct >= m.memory_high_pct;
    a.sleep_ms = pending_or_memory ? m.high_sleep_ms : 1;
    if (!pending_or_memory && s.disk_pct >= m.disk_critical_pct)
      a.sleep_ms = m.high_sleep_ms * 10;
  }
  return a;
}

namespace {

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
          .count());
}

/// A value from a cgroup v2 file, or 0 ("max" or missing).
uint64_t cgroup_value(const char* file) {
  std::ifstream in{std::string{"/sys/fs/cgroup/"} + file};
  std::string text;
  if (!(in >> text) || text == "max")
    return 0;
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

} // namespace

load_sampler::load_sampler(const std::vector<std::string>& mountpaths) {
  for (auto& mp : mountpaths) {
    struct stat st;
    if (::stat(mp.c_str(), &st) != 0)
      continue;
    auto dev = std::to_string(major(st.st_dev)) + " "
               + std::to_string(minor(st.st_dev));
    devices_.push_back(dev);
  }
  io_ticks_.assign(devices_.size(), 0);
}

load_sample load_sampler::sample(uint64_t pending) {
  load_sample s;
  s.pending = pending;
  std::ifstream mem{"/proc/meminfo"};
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (mem >> key >> kb) {
    std::getline(mem, unit);
    if (key == "MemTotal:")
      s.mem_total = kb * 1024;
    else if (key == "MemAvailable:")
      s.mem_available = kb * 1024;
  }
  if (auto limit = cgroup_value("memory.max"); limit > 0) {
    auto used = cgroup_value("memory.current");
    if (limit < s.mem_total) {
      s.mem_total = limit;
      s.mem_available = limit > used ? limit - used : 0;
    }
  }
  std::ifstream stat{"/proc/stat"};
  std::string cpu;
  uint64_t v[8] = {};
  stat >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
  uint64_t total = 0;
  for (auto x : v)
    total += x;
  uint64_t busy = total - v[3] - v[4]; // minus idle and iowait
  if (cpu_total_ > 0 && total > cpu_total_)
    s.cpu_pct = 100.0 * static_cast<double>(busy - cpu_busy_)
                / static_cast<double>(total - cpu_total_);
  cpu_busy_ = busy;
  cpu_total_ = total;
  auto now = now_ms();
  std::ifstream disks{"/proc/diskstats"};
  std::string line;
  while (std::getline(disks, line)) {
    std::istringstream fields{line};
    std::string major_no, minor_no, name;
    fields >> major_no >> minor_no >> name;
    auto dev = major_no + " " + minor_no;
    for (size_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i] != dev)
        continue;
      uint64_t f[10] = {};
      for (auto& x : f)
        fields >> x;
      auto ticks = f[9]; // milliseconds spent doing I/O
      if (last_ms_ > 0 && now > last_ms_ && ticks >= io_ticks_[i])
        s.disk_pct = std::max(s.disk_pct,
                              100.0 * static_cast<double>(ticks - io_ticks_[i])
                                  / static_cast<double>(now - last_ms_));
      io_ticks_[i] = ticks;
    }
  }
  last_ms_ = now;
  return s;
}

} // namespace moss
