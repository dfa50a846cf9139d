#pragma once

#include "http/exchange.hpp"
#include "http/routes.hpp"
#include "http/url.hpp"

namespace moss::http {

/// `GET /v1/ml/moss[/<bucket>]` on the proxy: validates the request and
/// redirects (307) to the designated target.
void serve_batch_on_proxy(exchange& ex, const request_target& target,
                          const proxy_context& ctx);

/// `GET /v1/ml/moss[/<bucket>]` on a target: runs the batch here.
void serve_batch_on_target(exchange& ex, const request_target& target,
                           const target_context& ctx);

} // namespace moss::http
