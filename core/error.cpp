#include "core/error.hpp"

namespace moss {

const char* to_string(ec code) {
  switch (code) {
  case ec::no_error:
    return "no_error";
  case ec::invalid_argument:
    return "invalid_argument";
  case ec::not_found:
    return "not_found";
  case ec::already_exists:
    return "already_exists";
  case ec::conflict:
    return "conflict";
  case ec::too_large:
    return "too_large";
  case ec::range_not_satisfiable:
    return "range_not_satisfiable";
  case ec::method_not_allowed:
    return "method_not_allowed";
  case ec::throttled:
    return "throttled";
  case ec::unavailable:
    return "unavailable";
  case ec::timeout:
    return "timeout";
  case ec::insufficient_storage:
    return "insufficient_storage";
  case ec::io_error:
    return "io_error";
  case ec::aborted:
    return "aborted";
  case ec::internal:
    return "internal";
  case ec::unauthenticated:
    return "unauthenticated";
  case ec::forbidden:
    return "forbidden";
  }
  return "unknown";
}

} // namespace moss
