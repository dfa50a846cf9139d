#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace moss::log {

enum class level { debug = 0, info, warn, error };

/// Sets the lowest level that is written; returns false on an unknown name.
bool set_level(std::string_view name);

/// Names this process in every line (e.g. "proxy", "t[abc123]").
void set_node(std::string name);

bool enabled(level lvl);

/// Writes one line to stderr, atomically with respect to other threads.
void write(level lvl, const std::string& text);

template <class... Ts>
void emit(level lvl, const Ts&... xs) {
  if (!enabled(lvl))
    return;
  std::ostringstream out;
  (out << ... << xs);
  write(lvl, out.str());
}

template <class... Ts>
void debug(const Ts&... xs) {
  emit(level::debug, xs...);
}
template <class... Ts>
void info(const Ts&... xs) {
  emit(level::info, xs...);
}
template <class... Ts>
void warn(const Ts&... xs) {
  emit(level::warn, xs...);
}
template <class... Ts>
void error(const Ts&... xs) {
  emit(level::error, xs...);
}

} // namespace moss::log
