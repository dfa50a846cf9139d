#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace moss::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};
std::mutex mtx;
std::string node_name = "moss";

const char* tag(level lvl) {
  switch (lvl) {
  case level::debug:
    return "D";
  case level::info:
    return "I";
  case level::warn:
    return "W";
  case level::error:
    return "E";
  }
  return "?";
}

} // namespace

bool set_level(std::string_view name) {
  level lvl;
  if (name == "debug")
    lvl = level::debug;
  else if (name == "info")
    lvl = level::info;
  else if (name == "warn" || name == "warning")
    lvl = level::warn;
  else if (name == "error")
    lvl = level::error;
  else
    return false;
  min_level = static_cast<int>(lvl);
  return true;
}

void set_node(std::string name) {
  std::lock_guard guard{mtx};
  node_name = std::move(name);
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= min_level.load(std::memory_order_relaxed);
}

void write(level lvl, const std::string& text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
  std::lock_guard guard{mtx};
  std::fprintf(stderr, "%s %s.%03d %s: %s\n", tag(lvl), stamp,
               static_cast<int>(ms), node_name.c_str(), text.c_str());
}

} // namespace moss::log
