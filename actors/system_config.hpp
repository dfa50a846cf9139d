#pragma once

#include "config/config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <string>

namespace moss {

/// The CAF configuration of every moss node: message types, the moss error
/// category, middleman heartbeats and the cluster's app identifier.
class system_config : public caf::actor_system_config {
 public:
  explicit system_config(const config& cfg, bool with_middleman = true);
};

/// What connects this node to others: the OpenSSL middleman when TLS is
/// configured (`middleman.tls_*`), the plain one otherwise.
inline caf::io::middleman_actor node_network(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

/// Publishes `whom` for other nodes at `host:port`, under TLS when
/// configured; the bound port.
template <class Handle>
caf::expected<uint16_t> publish_node(const Handle& whom, uint16_t port,
                                     const std::string& host) {
  auto& sys = whom.home_system();
  if (sys.has_openssl_manager())
    return caf::openssl::publish(whom, port, host.c_str(), true);
  return sys.middleman().publish(whom, port, host.c_str(), true);
}

/// The same, with CAF's deterministic test scheduler (for actor tests).
class test_system_config : public caf::actor_system_config {
 public:
  test_system_config();
};

} // namespace moss
