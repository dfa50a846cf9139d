#pragma once

#include "core/listing.hpp"

#include <string>

namespace moss::http {

/// AIStore's `LsoRes` as msgpack: `{UUID, ContinuationToken, Flags, Entries}`
/// with entries `{n, cs, a, v, t, s, c, f}`.
std::string encode_list_msgpack(const list_page& page, const std::string& uuid);

/// The same listing as JSON (`uuid`, `continuation_token`, `flags`,
/// `entries[]` with `name`, `size`, `checksum`, `atime`, `version`).
std::string encode_list_json(const list_page& page, const std::string& uuid);

/// RFC 1123 date of a nanosecond timestamp, as AIStore lists atimes.
std::string format_http_date(int64_t ns);

} // namespace moss::http
