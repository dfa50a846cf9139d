#pragma once

#include "http/exchange.hpp"
#include "http/routes.hpp"
#include "http/url.hpp"

namespace moss::http {

/// `GET /v1/console/node` on a target: its load, counters and work items.
void serve_node_console(exchange& ex, const target_context& ctx);

/// The proxy's operator routes: `GET /console` (the web console),
/// `GET /v1/console/cluster` (what it shows, as JSON) and
/// `GET|PUT /v1/cluster/config` (cluster-wide runtime settings). Returns
/// false if `target` is none of them.
bool serve_admin_on_proxy(exchange& ex, const request_target& target,
                          const proxy_context& ctx);

} // namespace moss::http
