#pragma once

#include "core/piece.hpp"
#include "http/span_handoff.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace moss::http {

/// Collects peer spans (`GET /v1/spans/<token>`) for one batch response,
/// over one kept-alive connection per holding target, or as descriptors
/// from holders on the same host (`span_handoff_server`). Requests may be
/// sent ahead (pipelined); their bytes must then be copied in the same
/// order.
/// Not thread-safe: one collector per response.
class span_collector {
 public:
  /// Holders get `read_timeout_ms` for each step; `copy` waits up to
  /// `write_timeout_ms` for a destination socket to take bytes, and moves
  /// them with splice(2) if `zero_copy`, through a buffer otherwise.
  span_collector(int read_timeout_ms, int write_timeout_ms,
                 bool zero_copy = true);
  ~span_collector();
  span_collector(const span_collector&) = delete;
  span_collector& operator=(const span_collector&) = delete;

  /// Sends the request for `span` (behind those still unanswered on the
  /// same connection); false with `why` set when the holder is unreachable.
  bool request(const peer_span& span, std::string& why);

  /// Copies exactly the span's bytes into `out_fd` (a non-blocking socket,
  /// or a file at its current position), requesting the span first unless
  /// `request` did; false with `why` set on any failure, after which the
  /// connection to that holder is gone.
  bool copy(const peer_span& span, int out_fd, std::string& why);

 private:
  struct link {
    int fd = -1;
    /// Response bytes read past the end of a response head.
    std::string leftover;
    /// Spans requested and not yet copied, by token.
    std::unordered_map<std::string, bool> requested;
  };

  bool connect(link& l, const std::string& address, std::string& why);
  void drop(link& l);
  /// Reads a response head; the body's length, or -1 with `why` (the body of
  /// an error response is read into `why`).
  long long read_head(link& l, std::string& why);
  bool drain_into(link& l, uint64_t length, int out_fd, std::string& why);
  /// True when `span` comes from its holder's handoff socket (connected on
  /// first use; false for good when the holder is on another host).
  bool handed_over(const peer_span& span);

  std::unordered_map<std::string, link> links_;
  /// By handoff socket name; null: not reachable from here.
  std::unordered_map<std::string, std::unique_ptr<span_handoff_link>> handoffs_;
  int pipe_[2] = {-1, -1};
  std::vector<char> buffer_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  bool zero_copy_;
};

} // namespace moss::http
