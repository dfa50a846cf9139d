#pragma once

#include "config/config.hpp"
#include "core/load.hpp"
#include "core/object_store.hpp"
#include "http/backend.hpp"
#include "http/server.hpp"

#include <string>

namespace moss::http {

class batch_backend;

/// What the proxy's routes work with.
struct proxy_context {
  const config* cfg = nullptr;
  const cluster_view* view = nullptr;
  proxy_backend* backend = nullptr;
  batch_backend* batches = nullptr;
};

/// What a target's routes work with.
struct target_context {
  const config* cfg = nullptr;
  std::string self_id;
  const cluster_view* view = nullptr;
  object_store* store = nullptr;
  batch_backend* batches = nullptr;
  /// Load advice from the throttle actor (null: admit everything).
  const advice_board* advice = nullptr;
};

handler make_proxy_handler(proxy_context ctx);

/// Wraps `h` so that every request is counted and timed in the metrics.
handler with_metrics(handler h);

handler make_target_handler(target_context ctx);

} // namespace moss::http
