#pragma once

#include "core/error.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace moss::http {

/// A request target split into decoded path segments and query parameters.
struct request_target {
  /// Path segments, each percent-decoded on its own, so an encoded `/`
  /// inside a segment stays part of that segment.
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
  /// The query string as received (without `?`).
  std::string raw_query;

  std::string param(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string{} : it->second;
  }
};

/// Parses `/v1/objects/b/o?provider=ais`; malformed escapes are an error.
expected<request_target> parse_target(std::string_view target);

/// Decodes `%XX` escapes (and `+` as space when `plus_is_space`).
expected<std::string> percent_decode(std::string_view text,
                                     bool plus_is_space = false);

/// Encodes everything but unreserved characters and `/`.
std::string percent_encode_path(std::string_view text);

/// Joins `segments[from..]` with `/`.
std::string join_segments(const std::vector<std::string>& segments,
                          size_t from);

} // namespace moss::http
