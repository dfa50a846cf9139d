#pragma once

#include "actors/actors.hpp"
#include "core/cluster_view.hpp"

#include <map>
#include <string>

namespace moss {

struct proxy_state {
  cluster_map map;
  /// Handles of the joined targets, by node id.
  std::map<std::string, target_actor> members;
  /// Where the map version and the buckets survive restarts.
  std::string state_file;
  /// Published copy of `map` for the HTTP threads.
  cluster_view* view = nullptr;
  /// What joining targets must present (empty: anyone may join).
  std::string join_token;
  static inline const char* name = "proxy";
};

/// Loads the version, buckets and runtime settings that `save_proxy_state`
/// wrote, if any.
expected<cluster_map> load_proxy_state(const std::string& path);

/// Writes the version, buckets and runtime settings of `map` to `path`
/// atomically.
expected<void> save_proxy_state(const std::string& path,
                                const cluster_map& map);

/// The proxy: keeps the versioned cluster map (targets and buckets), pushes
/// every change to all targets, drops targets whose connection dies.
/// @param self_info the proxy's own entry of the map.
/// @param state_file persisted state (empty: keep nothing).
/// @param view receives every new map (may be null).
/// @param join_token the secret targets must present (empty: no check).
proxy_actor::behavior_type
proxy(proxy_actor::stateful_pointer<proxy_state> self, node_info self_info,
      std::string state_file, cluster_view* view, std::string join_token);

} // namespace moss
