#pragma once

#include "core/error.hpp"
#include "core/piece.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss::http {

struct header_field {
  std::string name;
  std::string value;
};

using header_list = std::vector<header_field>;

/// Receives body bytes as they arrive.
using body_sink = std::function<expected<void>(const char*, size_t)>;

/// One HTTP request and its response, as seen by a route handler. The server
/// implements it on top of Beast; handlers never see Beast or sockets.
class exchange {
 public:
  virtual ~exchange() = default;

  // -- request ----------------------------------------------------------------

  virtual const std::string& method() const = 0;

  /// The raw request target (path plus query, still percent-encoded).
  virtual const std::string& target() const = 0;

  /// The value of a request header, or an empty string.
  virtual std::string header(std::string_view name) const = 0;

  virtual std::optional<uint64_t> content_length() const = 0;

  /// True if the request announces a body (Content-Length > 0 or chunked).
  virtual bool has_body() const = 0;

  /// Reads the whole body; more than `limit` bytes is an `ec::too_large`.
  virtual expected<std::string> read_body(uint64_t limit) = 0;

  /// Streams the body into `sink`; more than `limit` bytes is `ec::too_large`.
  virtual expected<void> read_body(uint64_t limit, const body_sink& sink) = 0;

  virtual std::string remote_address() const = 0;

  // -- response ---------------------------------------------------------------

  /// Sends a complete response. For HEAD requests the body is not sent, but
  /// its length is announced unless `headers` sets Content-Length itself.
  virtual void respond(int status, const header_list& headers,
                       std::string_view body)
      = 0;

  /// Sends `prefix`, then `length` bytes of `fd` from `offset` (zero-copy),
  /// then `suffix` as the body.
  virtual bool respond_file(int status, const header_list& headers, int fd,
                            uint64_t offset, uint64_t length,
                            std::string_view prefix = {},
                            std::string_view suffix = {})
      = 0;

  /// Starts a chunked response; the body follows through `write_chunk`.
  virtual bool begin_chunked(int status, const header_list& headers) = 0;

  virtual bool write_chunk(const char* data, size_t size) = 0;

  /// Sends `parts` as one chunk (one gathered write, no copies).
  virtual bool write_chunk(const std::vector<piece>& parts) = 0;

  /// Sends the final zero-length chunk: the body is complete.
  virtual bool end_chunked() = 0;

  /// Closes the connection without completing the response, so the client
  /// sees a failed transfer instead of a short but well-formed body.
  virtual void abort() = 0;

  /// True once a status line was sent.
  virtual bool responded() const = 0;

  /// The status sent (0 before any).
  virtual int status() const = 0;
};

} // namespace moss::http
