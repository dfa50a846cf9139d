#pragma once

#include <string>
#include <string_view>

namespace moss {

/// HMAC-SHA256 of `data` under `key`, as lowercase hex (OpenSSL).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// SHA-256 of `data`, as lowercase hex (OpenSSL).
std::string sha256_hex(std::string_view data);

/// Compares two strings in a time that does not depend on where they
/// differ (for secrets and signatures).
bool same_secret(std::string_view a, std::string_view b);

} // namespace moss
