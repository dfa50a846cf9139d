#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/cluster_map.hpp"
#include "core/error.hpp"
#include "core/listing.hpp"

namespace moss::http {

/// The node's current cluster map, readable from any thread. The node's
/// actor replaces it on every change; readers keep the snapshot they got.
class cluster_view {
public:
  std::shared_ptr<const cluster_map> current() const {
    std::lock_guard guard{mtx_};
    return map_;
  }

  void update(cluster_map map) {
    map.refresh_digests();
    auto ptr = std::make_shared<const cluster_map>(std::move(map));
    std::lock_guard guard{mtx_};
    if (!map_ || ptr->version >= map_->version)
      map_ = std::move(ptr);
  }

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const cluster_map> map_ = std::make_shared<cluster_map>();
};

/// What the proxy's HTTP routes need from the proxy actor. Calls block the
/// calling connection thread, never an actor.
class proxy_backend {
public:
  virtual ~proxy_backend() = default;
  virtual expected<void> create_bucket(const std::string& name) = 0;
  virtual expected<void> destroy_bucket(const std::string& name) = 0;
  virtual expected<list_page> list_objects(const list_query& query) = 0;
};

} // namespace moss::http
