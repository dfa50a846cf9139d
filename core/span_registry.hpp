#pragma once

#include "core/piece.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace moss {

/// File spans a target has opened for another node's GetBatch work item,
/// each under an unguessable single-use token. The work item's HTTP thread
/// collects a span with `GET /v1/spans/<token>` (see `peer_span`); a span
/// not collected within `ttl` (the client went away) is closed. At most
/// `capacity` spans are open at once, which bounds the descriptors held.
class span_registry {
 public:
  using clock = std::chrono::steady_clock;

  span_registry(size_t capacity, std::chrono::milliseconds ttl);

  /// The span's token, or an empty string when the registry is full (the
  /// caller then sends the bytes another way).
  std::string put(std::shared_ptr<const file_span> span);

  /// Removes and returns the span of `token` (null: unknown, collected or
  /// expired).
  std::shared_ptr<const file_span> take(const std::string& token);

  size_t size() const;

  /// The abstract socket name under which this node hands spans over to
  /// nodes on the same host (empty: none); set once, before spans are put.
  void set_handoff(std::string name) { handoff_ = std::move(name); }
  const std::string& handoff() const { return handoff_; }

 private:
  void expire(clock::time_point now);

  struct held {
    std::shared_ptr<const file_span> span;
    clock::time_point deadline;
  };
  mutable std::mutex mtx_;
  std::unordered_map<std::string, held> spans_;
  /// Tokens in the order they were issued (deadlines grow along it).
  std::deque<std::string> order_;
  size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::string handoff_;
};

} // namespace moss
