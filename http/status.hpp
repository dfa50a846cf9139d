#pragma once

#include "core/error.hpp"
#include "http/exchange.hpp"

#include <string>

namespace moss::http {

/// The one place that maps error codes to HTTP status codes.
int to_status(ec code);

/// Sends an AIStore-style JSON error (`message`, `status`, `method`,
/// `url_path`) with the status that `err.code` maps to.
void reply_error(exchange& ex, const error& err);

/// Sends an AIStore-style JSON error with an explicit status.
void reply_error(exchange& ex, int status, const std::string& message,
                 const header_list& extra = {});

/// Sends a JSON body with status 200.
void reply_json(exchange& ex, const std::string& json, int status = 200);

} // namespace moss::http
