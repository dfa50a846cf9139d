#pragma once

#include "actors/actors.hpp"
#include "actors/moss/work_item.hpp"
#include "config/config.hpp"
#include "http/backend.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace moss {

/// The GetBatch backend of a target's HTTP routes: spawns a work item and a
/// serializer per request and pulls archive bytes from the serializer on
/// the calling connection thread.
/// @param services where work items report and what they consult.
std::unique_ptr<http::batch_backend>
make_batch_backend(caf::actor_system& sys, target_actor local,
                   work_item_services services);

} // namespace moss
