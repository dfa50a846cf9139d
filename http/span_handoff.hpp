#pragma once

#include "core/error.hpp"
#include "core/piece.hpp"
#include "core/span_registry.hpp"
#include "http/accept_thread.hpp"
#include "http/connection_threads.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace moss::http {

/// Hands this node's peer spans to designated targets on the same host as
/// open file descriptors (SCM_RIGHTS over an abstract Unix socket), so that
/// their bytes leave the host's page cache once, straight into the client's
/// socket, instead of crossing a second TCP connection between the nodes.
/// Abstract sockets exist per network namespace: a node on another host (or
/// in another namespace) cannot reach this one and falls back to
/// `GET /v1/spans/<token>`; the 128 random bits in the name keep it from
/// reaching some other process's socket instead. The name is not a secret
/// (`/proc/net/unix` lists it): only processes of this node's user are
/// served, and each span still needs its single-use token.
///
/// Protocol, per span: the asker sends the token and '\n'; the answer is a
/// `handoff_answer` with the descriptor attached when `ok` is 1, followed
/// by `message_length` bytes of error text otherwise.
class span_handoff_server {
 public:
  explicit span_handoff_server(span_registry& spans);
  ~span_handoff_server();
  span_handoff_server(const span_handoff_server&) = delete;
  span_handoff_server& operator=(const span_handoff_server&) = delete;

  /// Binds a fresh abstract socket and starts serving; returns its name.
  expected<std::string> start();

  /// Stops accepting, ends the connections being served and waits for
  /// their threads (which use the registry).
  void stop();

 private:
  /// Serves `fd` on a thread of its own if it comes from this user.
  void admit(int fd);
  void serve(int fd);

  span_registry& spans_;
  /// Before the acceptor, which hands it work: destroyed after it.
  connection_threads threads_{std::chrono::seconds(30)};
  accept_thread acceptor_;
  std::mutex mtx_;
  std::condition_variable idle_;
  std::set<int> connections_;
};

/// One asker's connection to a holder's `span_handoff_server`.
class span_handoff_link {
 public:
  span_handoff_link() = default;
  ~span_handoff_link();
  span_handoff_link(span_handoff_link&& other) noexcept;
  span_handoff_link& operator=(span_handoff_link&& other) noexcept;

  /// Connects to the socket `name`; `ec::not_found` when nothing listens
  /// under it here (the holder is on another host).
  static expected<span_handoff_link> connect(const std::string& name,
                                             int timeout_ms);

  /// The span of `token`, now owned by this process.
  expected<std::shared_ptr<const file_span>> take(const std::string& token);

 private:
  explicit span_handoff_link(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace moss::http
