#pragma once

#include "core/cluster_map.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace moss {

/// The node's current cluster map, readable from any thread. Only the node's
/// actor writes it (in the order the proxy sent the maps); readers keep the
/// snapshot they got.
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
    map_ = std::move(ptr);
  }

 private:
  mutable std::mutex mtx_;
  std::shared_ptr<const cluster_map> map_ = std::make_shared<cluster_map>();
};

} // namespace moss
