#pragma once

#include "core/cluster_view.hpp"
#include "core/error.hpp"
#include "core/listing.hpp"

#include <string>
#include <vector>

namespace moss::http {

using moss::cluster_view;

/// What the proxy's HTTP routes need from the proxy actor. Calls block the
/// calling connection thread, never an actor.
class proxy_backend {
 public:
  virtual ~proxy_backend() = default;
  virtual expected<void> create_bucket(const std::string& name) = 0;
  virtual expected<void> destroy_bucket(const std::string& name) = 0;
  virtual expected<list_page> list_objects(const list_query& query) = 0;
  /// Takes target `id` out of placement (it keeps serving what it holds).
  virtual expected<void> decommission(const std::string& id) = 0;
  /// Removes a leaving target from the cluster for good.
  virtual expected<void> remove_target(const std::string& id) = 0;
  /// Sets cluster-wide runtime settings (already validated).
  virtual expected<void> configure(const std::vector<std::string>& assignments)
      = 0;
};

} // namespace moss::http

#include "config/config.hpp"
#include "core/batch.hpp"
#include "core/piece.hpp"

#include <chrono>

namespace moss::http {

/// Archive bytes of a running batch; the last chunk carries the metadata.
struct pull_chunk {
  /// Archive output in order, in pieces as they were produced.
  std::vector<piece> parts;
  bool done = false;
  std::string metadata;

  size_t size() const {
    size_t n = 0;
    for (auto& p : parts)
      n += p.size();
    return n;
  }
};

/// A running GetBatch work item, read by one connection thread. Destroying
/// it before it is done cancels the work item everywhere.
class batch_stream {
 public:
  virtual ~batch_stream() = default;
  /// The next bytes; the first call returns once the batch may start (an
  /// error before that is a clean HTTP error).
  virtual expected<pull_chunk> pull(std::chrono::milliseconds timeout) = 0;
};

/// Starts work items on the designated target.
class batch_backend {
 public:
  virtual ~batch_backend() = default;
  /// Starts a work item with the settings in force for this request.
  virtual std::unique_ptr<batch_stream>
  start(std::shared_ptr<const batch_plan> plan, const get_batch_config& cfg)
      = 0;
  /// Work items alive in this process.
  virtual size_t active() const = 0;
  /// Shards read (and, if compressed, decompressed) so far.
  virtual uint64_t shard_scans() const = 0;
};

} // namespace moss::http
