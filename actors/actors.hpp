#pragma once

// Every typed actor interface of moss, and the type-ID block that names the
// message types on the wire. All nodes are built from this one header, so
// their interfaces always match.

#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace moss {

/// The TARGET actor interface: one per storage node.
using target_actor = caf::typed_actor<
    // Installs a newer cluster map; replies with the version in force.
    caf::replies_to<atom::update, cluster_map>::with<int64_t>,
    // Lists one page of this target's objects of a bucket.
    caf::replies_to<atom::list, list_query>::with<list_page>,
    // Sets the target's own map entry (known once it is published) and joins.
    caf::reacts_to<atom::start, node_info>,
    // (Re)connects to the proxy and joins the cluster.
    caf::reacts_to<atom::rejoin>>;

/// The PROXY actor interface: owns the cluster map and bucket metadata.
using proxy_actor = caf::typed_actor<
    // A target joins or rejoins; replies with the current map.
    caf::replies_to<atom::join, node_info, target_actor>::with<cluster_map>,
    // Creates a bucket on every target; replies with the new map version.
    caf::replies_to<atom::create, std::string>::with<int64_t>,
    // Destroys a bucket on every target; replies with the new map version.
    caf::replies_to<atom::destroy, std::string>::with<int64_t>,
    // Lists one page of a bucket, merged over all targets.
    caf::replies_to<atom::list, list_query>::with<list_page>>;

} // namespace moss

CAF_BEGIN_TYPE_ID_BLOCK(moss, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(moss, (moss::node_info))
  CAF_ADD_TYPE_ID(moss, (moss::cluster_map))
  CAF_ADD_TYPE_ID(moss, (moss::list_query))
  CAF_ADD_TYPE_ID(moss, (moss::list_page))
  CAF_ADD_TYPE_ID(moss, (moss::target_actor))
  CAF_ADD_TYPE_ID(moss, (moss::proxy_actor))

CAF_END_TYPE_ID_BLOCK(moss)
