#pragma once

#include "core/error.hpp"

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

CAF_ERROR_CODE_ENUM(moss::ec, "moss")

namespace moss {

/// Wraps a moss error for the actor world.
caf::error to_caf_error(const error& err);

/// Unwraps an actor-world error: moss errors keep code and message, CAF's
/// system errors map to timeout / unavailable.
error from_caf_error(const caf::error& err);

} // namespace moss
