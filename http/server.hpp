#pragma once

#include "core/error.hpp"
#include "http/accept_thread.hpp"
#include "http/connection_threads.hpp"
#include "http/exchange.hpp"

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace moss::http {

struct server_options {
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds idle_timeout{120000};
  uint32_t max_connections = 2048;
  uint64_t max_drain_bytes = 1ull << 30;
  /// File bytes go out by sendfile/splice (see `timed_socket::send_file`),
  /// to peers on the loopback interface only if `loopback_zero_copy`.
  bool zero_copy = true;
  bool loopback_zero_copy = false;
};

using handler = std::function<void(exchange&)>;

/// An HTTP/1.1 server with one thread per connection (threads are reused
/// for later connections). Blocking I/O keeps streaming responses simple (a
/// slow client stalls only its own thread) and every socket operation is
/// bounded by a timeout.
class server {
 public:
  explicit server(server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds to `host:port` (0 picks a free port); returns the bound port.
  /// Connections queue up until `serve`.
  expected<uint16_t> listen(const std::string& host, uint16_t port);

  /// Starts accepting connections and handing requests to `h`.
  void serve(handler h);

  /// Stops accepting; open connections finish their current request.
  void stop();

  size_t active_connections() const { return active_->load(); }

 private:
  void accept_connection(int fd, const sockaddr_in& peer,
                         const std::shared_ptr<handler>& handle);

  server_options options_;
  /// Bound and listening until `serve` hands it to `acceptor_`.
  int listen_fd_ = -1;
  std::shared_ptr<std::atomic<size_t>> active_;
  /// Declared before the acceptor, which hands it work: destroyed after it.
  connection_threads threads_{std::chrono::seconds(30)};
  accept_thread acceptor_;
};

} // namespace moss::http
