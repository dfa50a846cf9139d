#pragma once

#include "core/error.hpp"
#include "http/exchange.hpp"

#include <chrono>
#include <string>

namespace moss::http {

struct client_response {
  int status = 0;
  header_list headers;
  std::string body;

  std::string header(const std::string& name) const;
};

/// One blocking HTTP/1.1 request to `url` (http://host:port/path), on a new
/// connection, bounded by `timeout` per socket operation. Redirects are not
/// followed.
expected<client_response>
request(const std::string& method, const std::string& url,
        const std::string& body = {}, const header_list& headers = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace moss::http
