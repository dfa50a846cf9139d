#pragma once

#include "actors/actors.hpp"
#include "core/cluster_view.hpp"
#include "core/object_store.hpp"

#include <string>

namespace moss {

struct target_state {
  cluster_map map;
  node_info self_info;
  std::string proxy_host;
  uint16_t proxy_port = 0;
  proxy_actor proxy;
  object_store* store = nullptr;
  cluster_view* view = nullptr;
  /// Failed join attempts in a row (to log the first one loudly only).
  int failed_joins = 0;
  static inline const char* name = "target";
};

/// A storage node: joins the proxy (and rejoins whenever the connection
/// drops), installs the maps it pushes, and serves listings of its objects.
/// It joins once it receives `(start, node_info)` with its own map entry.
/// @param proxy_host,proxy_port where the proxy is published; port 0 means
///        "do not connect" (for tests that drive the actor directly).
target_actor::behavior_type
target(target_actor::stateful_pointer<target_state> self,
       std::string proxy_host, uint16_t proxy_port, object_store* store,
       cluster_view* view);

} // namespace moss
