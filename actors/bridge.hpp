#pragma once

#include "actors/actors.hpp"
#include "http/backend.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace moss {

/// The proxy backend of the HTTP routes, implemented by asking the proxy
/// actor. Each call blocks the calling connection thread (never an actor
/// thread) until the actor answers or `timeout` passes.
std::unique_ptr<http::proxy_backend> make_proxy_backend(caf::actor_system& sys,
                                                        proxy_actor proxy);

} // namespace moss
