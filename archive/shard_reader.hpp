#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace moss::archive {

/// Formats of input shards.
enum class shard_format { tar, tgz, tar_lz4, zip };

const char* to_string(shard_format fmt);

/// The shard's format by object-name suffix (`.tar`, `.tgz`, `.tar.gz`,
/// `.tar.lz4`, `.zip`), else by the magic bytes in `head` (its first 512
/// bytes). `what` names the shard in the error.
expected<shard_format> detect_shard_format(std::string_view objname,
                                           std::string_view head,
                                           const std::string& what);

/// Bounds for reading untrusted shards.
struct shard_limits {
  /// Largest member that is extracted.
  uint64_t max_member_bytes = 1ull << 30;
  /// Largest expansion of a compressed shard relative to its stored size,
  /// checked once more than `ratio_floor_bytes` were expanded.
  uint64_t max_ratio = 200;
  uint64_t ratio_floor_bytes = 64ull << 20;
};

/// `path` without one leading '/', as AIStore matches archive paths.
std::string_view normalize_member_name(std::string_view path);

/// Reads the shard in `fd` (of `size` bytes) once, front to back, and calls
/// `found(archpath, data)` for the first regular member whose name matches
/// each of `wanted` (normalized names). Stops once all were found.
/// Returns the number of members found.
expected<size_t> extract_members(
    int fd, uint64_t size, shard_format fmt,
    const std::set<std::string>& wanted,
    const std::function<void(const std::string&, std::string)>& found,
    const shard_limits& limits, const std::string& what);

} // namespace moss::archive
