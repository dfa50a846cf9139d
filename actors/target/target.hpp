#pragma once

#include "actors/actors.hpp"
#include "actors/target/fetch_reader.hpp"
#include "actors/warmup/warmup.hpp"
#include "core/cluster_view.hpp"
#include "core/object_store.hpp"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

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
  /// Readers of local entries; detached, so disk waits block no scheduler.
  std::vector<fetch_worker_actor> workers;
  /// Shard members extracted by the workers (shared by all of them).
  std::shared_ptr<member_cache> members;
  size_t next_worker = 0;
  std::function<void()> on_decommissioned;
  std::string join_token;
  /// Pre-reads entries work items will ask for soon (look-ahead).
  warmup_actor warmup;
  /// Connected peer targets by id, those this target is dialling (ids
  /// above its own), and since when it waits for the others to call.
  std::map<std::string, caf::actor> peers;
  std::set<std::string> connecting;
  std::map<std::string, caf::timestamp> awaiting_hello;
  /// When the last attempt to connect to a peer failed: a batch that finds
  /// the peer missing retries, but not more often than once a second.
  std::map<std::string, caf::timestamp> failed_connects;
  /// Answers to `peers` held back until no connection is pending.
  std::vector<caf::typed_response_promise<peer_table>> waiting_for_peers;
  static inline const char* name = "target";
};

/// Reads GetBatch entries from `store`.
fetch_worker_actor::behavior_type
fetch_worker(fetch_worker_actor::pointer self, const object_store* store,
             std::shared_ptr<member_cache> cache, archive::shard_limits limits,
             span_registry* spans);

/// A storage node: joins the proxy (and rejoins whenever the connection
/// drops), installs the maps it pushes, and serves listings of its objects.
/// It joins once it receives `(start, node_info)` with its own map entry.
/// @param proxy_host,proxy_port where the proxy is published; port 0 means
///        "do not connect" (for tests that drive the actor directly).
/// @param limits,cache_bytes how files are read out of shards.
/// @param spans where large entries for other nodes wait to be collected
///        over HTTP (null: they travel as messages).
/// @param join_token the cluster's secret, presented when joining.
/// @param on_decommissioned called once the proxy removed this target for
///        good (after a decommission); the node then stops.
target_actor::behavior_type
target(target_actor::stateful_pointer<target_state> self,
       archive::shard_limits limits, uint64_t cache_bytes,
       std::string proxy_host, uint16_t proxy_port, object_store* store,
       span_registry* spans, cluster_view* view, std::string join_token,
       std::function<void()> on_decommissioned);

} // namespace moss
