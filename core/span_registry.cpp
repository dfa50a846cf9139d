#include "core/span_registry.hpp"

#include <sys/random.h>

#include <cstdio>

namespace moss {

namespace {

/// 128 random bits as hex: a token is a capability, so it must not be
/// predictable from earlier ones.
std::string random_token() {
  unsigned char raw[16];
  size_t got = 0;
  while (got < sizeof(raw)) {
    auto n = ::getrandom(raw + got, sizeof(raw) - got, 0);
    if (n > 0)
      got += static_cast<size_t>(n);
  }
  std::string hex(2 * sizeof(raw), '0');
  for (size_t i = 0; i < sizeof(raw); ++i)
    std::snprintf(hex.data() + 2 * i, 3, "%02x", raw[i]);
  return hex;
}

} // namespace

span_registry::span_registry(size_t capacity, std::chrono::milliseconds ttl)
    : capacity_(capacity), ttl_(ttl) {
  // nop
}

std::string span_registry::put(std::shared_ptr<const file_span> span) {
  auto now = clock::now();
  std::lock_guard guard{mtx_};
  expire(now);
  if (spans_.size() >= capacity_)
    return {};
  auto token = random_token();
  spans_.emplace(token, held{std::move(span), now + ttl_});
  order_.push_back(token);
  return token;
}

std::shared_ptr<const file_span> span_registry::take(const std::string& token) {
  auto now = clock::now();
  std::lock_guard guard{mtx_};
  expire(now);
  auto it = spans_.find(token);
  if (it == spans_.end())
    return nullptr;
  auto span = std::move(it->second.span);
  spans_.erase(it);
  return span;
}

size_t span_registry::size() const {
  std::lock_guard guard{mtx_};
  return spans_.size();
}

void span_registry::expire(clock::time_point now) {
  // Collected tokens stay in `order_` until they reach its front.
  while (!order_.empty()) {
    auto it = spans_.find(order_.front());
    if (it != spans_.end()) {
      if (it->second.deadline > now)
        break;
      spans_.erase(it);
    }
    order_.pop_front();
  }
  // Without expiries, `order_` could still grow with collected tokens.
  if (order_.size() > 4 * capacity_ + 64) {
    std::deque<std::string> live;
    for (auto& t : order_)
      if (spans_.count(t))
        live.push_back(t);
    order_.swap(live);
  }
}

} // namespace moss
