#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moss {

/// One node of the cluster as every other node sees it.
struct node_info {
  /// Stable id, persisted in the node's data directory.
  std::string id;
  /// Base URL of the node's HTTP API, e.g. `http://127.0.0.1:51082`.
  std::string http_url;
  /// Where the node's actor is published on the CAF middleman.
  std::string caf_host;
  uint16_t caf_port = 0;
  /// Precomputed `hrw_digest(id)`; derived, not persisted.
  uint64_t digest = 0;
};

/// The versioned cluster map plus the bucket metadata: what the proxy owns
/// and pushes to every target on each change.
struct cluster_map {
  int64_t version = 0;
  node_info proxy;
  /// Active targets, sorted by id: objects are placed on these.
  std::vector<node_info> targets;
  /// Targets being decommissioned: out of placement, still serving what
  /// they hold until a rebalance has moved it off.
  std::vector<node_info> leaving;
  /// Names of the existing (ais://) buckets, sorted.
  std::vector<std::string> buckets;
  /// Cluster-wide runtime settings (`get_batch.max_soft_errs=10`), sorted by
  /// key; every node applies them on top of its own configuration.
  std::vector<std::string> settings;

  /// Recomputes every node's digest (after deserialising).
  void refresh_digests();

  bool has_bucket(const std::string& name) const;

  /// An active target by id (null if there is none).
  const node_info* find_target(const std::string& id) const;

  /// Active and leaving targets: every node that may hold objects.
  std::vector<const node_info*> all_targets() const;

  bool is_leaving(const std::string& id) const;

  /// The HRW owner of `uname` (see `object_uname`), or null without targets.
  const node_info* owner(const std::string& uname) const;
};

/// Serialises the map as AIStore's `Smap` JSON (`pmap`, `tmap`, `proxy_si`,
/// `version`), plus a `buckets` array.
std::string to_smap_json(const cluster_map& map);

} // namespace moss
