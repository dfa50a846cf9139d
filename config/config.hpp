#pragma once

#include "core/error.hpp"
#include "core/load.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace moss {

using duration = std::chrono::milliseconds;

/// Settings of the local cluster launcher (`moss cluster`).
struct cluster_config {
  std::string data_dir;
  int targets = 3;
  int mountpaths_per_target = 1;
  /// Address every node binds to.
  std::string host;
  /// Address other nodes and clients reach this node at (empty: `host`),
  /// for nodes behind NAT or bound to 0.0.0.0.
  std::string advertise_host;

  const std::string& advertised() const {
    return advertise_host.empty() ? host : advertise_host;
  }
};

struct proxy_config {
  uint16_t http_port = 51080;
  uint16_t caf_port = 51081;
};

struct target_config {
  /// 0 picks a free port.
  uint16_t http_port = 0;
  uint16_t caf_port = 0;
};

/// Whether file bytes go into sockets without a copy through user space
/// (sendfile, splice).
enum class zero_copy_mode {
  /// Except to peers on this host's loopback: there the receiver makes the
  /// only copy anyway, and from page-cache pages that are cold in the CPU
  /// caches it costs the receiver about twice as much (docs/performance.md).
  automatic,
  always,
  never,
};

struct http_config {
  /// Largest JSON body (GetBatch requests, bucket actions) accepted.
  uint64_t max_json_body = 64ull << 20;
  /// Largest object a PUT may store.
  uint64_t max_object_size = 1ull << 40;
  /// A body the handler did not read (a redirected PUT) is read and dropped
  /// up to this size, so clients that send it all before reading the answer
  /// see the redirect; larger ones close the connection.
  uint64_t max_drain_bytes = 1ull << 30;
  duration read_timeout{30000};
  duration write_timeout{30000};
  /// How long an idle keep-alive connection stays open.
  duration idle_timeout{120000};
  uint32_t max_connections = 2048;
  zero_copy_mode zero_copy = zero_copy_mode::automatic;
};

struct middleman_config {
  duration heartbeat_interval{1000};
  duration connection_timeout{5000};
  /// Nodes with a different identifier are refused by the middleman.
  std::string app_identifier = "moss-cluster";
  /// The cluster's shared secret: the proxy refuses targets that do not
  /// present it (empty: no check, as for the local cluster).
  std::string join_token;
  /// TLS for node-to-node traffic: this node's certificate and key, and
  /// the CA that every node's certificate must be signed by (all three or
  /// none; empty: plain TCP).
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca_file;

  bool tls() const { return !tls_certificate.empty(); }
};

/// Bearer-token access control on every node's HTTP API.
struct auth_config {
  bool enabled = false;
  /// HS256 key (AIStore AuthN's secret).
  std::string secret;
  /// A PEM file with the RSA public key that RS256 tokens are checked with.
  std::string public_key_file;
};

struct list_config {
  uint32_t max_page_size = 10000;
};

/// The `get_batch` section, with AIStore's names and defaults.
struct get_batch_config {
  /// How long the work item waits for one entry before trying its owner
  /// again (get-from-neighbor).
  duration max_wait{20000};
  /// Look-ahead readers per work item; -1 disables them.
  int warmup_workers = -1;
  /// Missing entries tolerated per batch; more fail the batch.
  int max_soft_errs = 8;
  /// Get-from-neighbor retries per batch; -1 disables them.
  int max_gfn = 5;
  /// Largest number of entries in one request (more: 413).
  uint32_t max_entries = 100000;
  /// Bytes a work item may hold ahead of its write cursor; the entry at
  /// the cursor may take one `chunk_bytes` more (asked whole, not in
  /// slivers of what is free).
  uint64_t window_bytes = 64ull << 20;
  /// Entries a work item may have requested ahead of its write cursor.
  uint32_t window_entries = 4096;
  /// Largest piece of an object sent in one message between nodes.
  uint32_t chunk_bytes = 1u << 20;
  /// Large plain objects for a TAR stream go from their owner to the
  /// designated target over HTTP (sendfile there, no actor messages); off,
  /// or with TLS between nodes, they travel in `chunk_bytes` messages.
  bool peer_spans = true;
  /// Peer spans of a target on the same host come as open descriptors over
  /// a Unix socket (one pass over the bytes) instead of over HTTP.
  bool span_handoff = true;
  /// Live work items from which new ones are slowed down (AIStore: 96).
  uint32_t pending_high_wm = 96;
  /// Live work items from which new ones get 429 (AIStore: 256).
  uint32_t pending_critical_wm = 256;
  /// Memory use (percent) from which new work is slowed down / refused.
  uint32_t memory_high_pct = 90;
  uint32_t memory_critical_pct = 97;
  /// The pause before a new work item at high load.
  duration throttle_sleep{10};
  /// How often a target samples its load.
  duration load_interval{250};
};

/// Reading files out of shards (`archpath`).
struct shards_config {
  /// Largest file extracted from a shard.
  uint64_t max_member_bytes = 1ull << 30;
  /// Largest expansion of a compressed shard over its stored size (beyond
  /// the first 64 MiB): more is refused as a decompression bomb.
  uint64_t max_ratio = 200;
  /// Extracted files a target keeps for the next requests of a batch.
  uint64_t member_cache_bytes = 256ull << 20;
};

struct config {
  std::string log_level = "info";
  cluster_config cluster;
  proxy_config proxy;
  target_config target;
  http_config http;
  middleman_config middleman;
  auth_config auth;
  list_config list;
  get_batch_config get_batch;
  shards_config shards;
};

/// The load marks of the `get_batch` section.
load_marks load_marks_of(const get_batch_config& gb);

/// The configuration compiled into the binary (`config/default.json`).
const std::string& default_config_json();

/// Parses `json` on top of the defaults, then applies `overrides` (each
/// `dotted.key=value`), then validates. Unknown keys are errors.
expected<config> parse_config(const std::string& json,
                              const std::vector<std::string>& overrides = {});

/// Reads `path` (empty: defaults only) and calls `parse_config`.
expected<config> load_config(const std::string& path,
                             const std::vector<std::string>& overrides = {});

/// Parses `10s`, `500ms`, `2m`, `1h` (a bare number means seconds).
expected<duration> parse_duration(const std::string& text);

} // namespace moss
