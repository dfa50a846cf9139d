#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace moss {

/// Longest accepted object name or archive path, in bytes.
constexpr size_t max_name_bytes = 1024;

/// Longest accepted path component (the filesystem's NAME_MAX).
constexpr size_t max_component_bytes = 255;

/// Checks a bucket name: 1..64 characters of `[A-Za-z0-9_.-]`, not starting
/// with a dot.
expected<void> validate_bucket_name(std::string_view name);

/// Checks an object name: non-empty, valid UTF-8, no NUL, no leading `/` or
/// `~/`, no trailing `/`, no empty, `.` or `..` path component, each component
/// at most 255 bytes, at most 1024 bytes in all. `what` names the thing in the
/// message ("object name", "archpath").
expected<void> validate_object_name(std::string_view name,
                                    std::string_view what = "object name");

/// Checks an archive path: like an object name, but one leading `/` is
/// tolerated (AIStore matches `/a` and `a` alike).
expected<void> validate_archpath(std::string_view path);

/// Maps a provider alias to its canonical name (`""` -> `ais`, `s3` -> `aws`,
/// ...). Returns an error for unknown providers.
expected<std::string> normalize_provider(std::string_view provider);

/// True if `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

/// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

/// `ais://bucket` or `ais://bucket/object`, as AIStore's messages spell them.
std::string display_name(std::string_view bucket, std::string_view object = {});

} // namespace moss
