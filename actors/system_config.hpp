#pragma once

#include "config/config.hpp"

#include <caf/actor_system_config.hpp>

namespace moss {

/// The CAF configuration of every moss node: message types, the moss error
/// category, middleman heartbeats and the cluster's app identifier.
class system_config : public caf::actor_system_config {
 public:
  explicit system_config(const config& cfg, bool with_middleman = true);
};

/// The same, with CAF's deterministic test scheduler (for actor tests).
class test_system_config : public caf::actor_system_config {
 public:
  test_system_config();
};

} // namespace moss
