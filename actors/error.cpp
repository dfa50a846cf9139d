#include "actors/error.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace moss {

caf::error to_caf_error(const error& err) {
  return caf::make_error(err.code, err.message);
}

error from_caf_error(const caf::error& err) {
  std::string text;
  if (err.context().match_elements<std::string>())
    text = err.context().get_as<std::string>(0);
  if (err.category() == caf::atom("moss"))
    return make_error(static_cast<ec>(err.code()), text);
  if (err.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout)
      return make_error(ec::timeout, "a node did not answer in time");
    return make_error(ec::unavailable,
                      "a node is unreachable: " + caf::to_string(code));
  }
  return make_error(ec::internal, "unexpected error " + caf::to_string(err));
}

} // namespace moss
