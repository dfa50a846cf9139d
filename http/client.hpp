#pragma once

#include "core/error.hpp"
#include "http/exchange.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace moss::http {

struct client_response {
  int status = 0;
  header_list headers;
  std::string body;

  std::string header(const std::string& name) const;
};

/// A new non-blocking TCP connection (TCP_NODELAY) to `host:port`, or -1
/// with the reason in `why`.
int connect_to(const std::string& host, const std::string& port,
               std::chrono::milliseconds timeout, std::string& why);

/// One blocking HTTP/1.1 request to `url` (http://host:port/path), on a new
/// connection, bounded by `timeout` per socket operation. Redirects are not
/// followed.
expected<client_response>
request(const std::string& method, const std::string& url,
        const std::string& body = {}, const header_list& headers = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Where a request body comes from: bytes in memory, or `size` bytes of an
/// open file from offset 0 (read with pread, so it can be sent again after a
/// redirect).
struct body_source {
  std::string data;
  int fd = -1;
  uint64_t size = 0;

  static body_source of(std::string bytes) {
    body_source b;
    b.size = bytes.size();
    b.data = std::move(bytes);
    return b;
  }
  static body_source of_file(int fd, uint64_t size) {
    body_source b;
    b.fd = fd;
    b.size = size;
    return b;
  }
};

/// HTTP/1.1 requests over kept-alive connections (one per host:port), the
/// way the AIStore SDK talks to a cluster: redirects (307/308) are followed
/// by sending the same method and body to the new location, at most 5
/// times. Not thread-safe: use one session per thread.
class session {
 public:
  explicit session(std::chrono::milliseconds timeout
                   = std::chrono::seconds(60));
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// With a `sink`, a 2xx body streams into it piece by piece (an error it
  /// returns ends the request) and `body` stays empty;
  /// other bodies (errors) are kept in `body`, up to 1 MiB.
  expected<client_response> request(const std::string& method,
                                    const std::string& url,
                                    const body_source& body = {},
                                    const header_list& headers = {},
                                    const body_sink& sink = nullptr);

  /// Sends `field` with every request from now on (a bearer token).
  void add_default_header(header_field field);

 private:
  header_list defaults_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace moss::http
