#pragma once

#include "config/config.hpp"
#include "config/runtime.hpp"
#include "core/jobs.hpp"
#include "core/load.hpp"
#include "core/object_store.hpp"
#include "core/span_registry.hpp"
#include "http/access.hpp"
#include "http/backend.hpp"
#include "http/server.hpp"

#include <string>

namespace moss::http {

class batch_backend;
class rebalancer;

/// What the proxy's routes work with.
struct proxy_context {
  /// The node's own configuration.
  const config* cfg = nullptr;
  /// The node's configuration under the cluster's runtime settings (null:
  /// `cfg` as it is).
  const runtime_config* runtime = nullptr;
  const cluster_view* view = nullptr;
  proxy_backend* backend = nullptr;
  batch_backend* batches = nullptr;
  /// Who may do what (null: everyone everything).
  const access_gate* gate = nullptr;
};

/// What a target's routes work with.
struct target_context {
  const config* cfg = nullptr;
  const runtime_config* runtime = nullptr;
  std::string self_id;
  const cluster_view* view = nullptr;
  object_store* store = nullptr;
  /// Large entries held for other nodes' work items (null: none).
  span_registry* spans = nullptr;
  batch_backend* batches = nullptr;
  /// Load advice from the throttle actor (null: admit everything).
  const advice_board* advice = nullptr;
  /// This node's GetBatch work items (null: no console).
  const job_board* jobs = nullptr;
  /// Moves objects to their owners (null: no rebalancing).
  rebalancer* rebalance = nullptr;
  /// Who may do what (null: everyone everything).
  const access_gate* gate = nullptr;
};

/// The configuration in force for a request: the node's own with the
/// runtime settings of `map` on top.
inline std::shared_ptr<const config>
config_in_force(const config* own, const runtime_config* runtime,
                const cluster_map& map) {
  if (runtime != nullptr)
    return runtime->with(map.settings);
  return {std::shared_ptr<const config>{}, own};
}

handler make_proxy_handler(proxy_context ctx);

/// Wraps `h` so that every request is counted and timed in the metrics.
handler with_metrics(handler h);

handler make_target_handler(target_context ctx);

} // namespace moss::http
