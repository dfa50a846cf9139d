#pragma once

#include "core/cluster_view.hpp"
#include "core/error.hpp"
#include "core/listing.hpp"

#include <string>

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
};

} // namespace moss::http
