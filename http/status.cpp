#include "http/status.hpp"

#include "core/json.hpp"
#include "core/log.hpp"

namespace moss::http {

int to_status(ec code) {
  switch (code) {
  case ec::no_error:
    return 200;
  case ec::invalid_argument:
    return 400;
  case ec::not_found:
    return 404;
  case ec::unauthenticated:
    return 401;
  case ec::forbidden:
    return 403;
  case ec::method_not_allowed:
    return 405;
  case ec::already_exists:
  case ec::conflict:
    return 409;
  case ec::too_large:
    return 413;
  case ec::range_not_satisfiable:
    return 416;
  case ec::throttled:
    return 429;
  case ec::unavailable:
    return 503;
  case ec::timeout:
    return 504;
  case ec::insufficient_storage:
    return 507;
  case ec::io_error:
  case ec::aborted:
  case ec::internal:
    return 500;
  }
  return 500;
}

void reply_error(exchange& ex, int status, const std::string& message,
                 const header_list& extra) {
  if (ex.responded())
    return;
  if (status >= 500)
    log::warn(ex.method(), " ", ex.target(), ": ", status, " ", message);
  else
    log::debug(ex.method(), " ", ex.target(), ": ", status, " ", message);
  std::string path = ex.target().substr(0, ex.target().find('?'));
  header_list headers{{"Content-Type", "application/json"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  ex.respond(status, headers, error_json(status, message, ex.method(), path));
}

void reply_error(exchange& ex, const error& err) {
  reply_error(ex, to_status(err.code), err.message);
}

void reply_json(exchange& ex, const std::string& json, int status) {
  ex.respond(status, {{"Content-Type", "application/json"}}, json);
}

} // namespace moss::http
