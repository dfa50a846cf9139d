#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace moss::archive {

/// Where a regular file's bytes sit inside a plain TAR shard.
struct tar_member {
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// Regular files of a TAR shard by name (one leading '/' removed); the first
/// occurrence of a name wins, as in a scan.
using tar_index = std::unordered_map<std::string, tar_member>;

/// Walks the headers of the TAR in `fd` (USTAR, PAX and GNU long names),
/// seeking over the data. Checksums are verified.
expected<tar_index> build_tar_index(int fd, uint64_t size,
                                    const std::string& what);

/// A compact text form for storing an index next to the data.
std::string encode_tar_index(const tar_index& index);

expected<tar_index> decode_tar_index(std::string_view text);

} // namespace moss::archive
