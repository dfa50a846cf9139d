#pragma once

#include "core/error.hpp"
#include "core/object_store.hpp"
#include "core/piece.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moss {

/// One entry a work item wants from the target that owns it.
struct fetch_item {
  /// Position in the batch request.
  uint32_t index = 0;
  std::string bucket;
  std::string objname;
  std::string archpath;
  /// The requested range, as in `MossIn` (length 0: whole, -1: to the end).
  int64_t start = 0;
  int64_t length = 0;
  /// Bytes of the range the work item already has (to continue a large one).
  uint64_t skip = 0;
  /// The object's identity when its first part was read (0: nothing read
  /// yet). A later part of an object that changed since is refused, so an
  /// entry never mixes two versions.
  uint64_t identity = 0;
};

/// A group of entries for one target; the reply carries at most `budget`
/// bytes of data (at least a part of the first entry with data).
struct fetch_request {
  std::vector<fetch_item> items;
  uint64_t budget = 0;
  /// Only check existence and ranges; return no data.
  bool stat_only = false;
  /// The asker is on this node and writes an uncompressed archive: large
  /// object bytes may come as file spans (`fetch_result::file`).
  bool file_spans = false;
  /// The asker is another node and writes an uncompressed archive: large
  /// object bytes may stay here, registered for it to collect over HTTP
  /// (`fetch_result::span_token`).
  bool peer_spans = false;
};

/// What the target has to say about one item.
struct fetch_result {
  uint32_t index = 0;
  /// `ec::no_error`, `ec::not_found`, `ec::range_not_satisfiable`, ...
  ec code = ec::no_error;
  std::string error;
  /// Length of the whole requested range.
  uint64_t total = 0;
  /// Where `data` starts within the range.
  uint64_t offset = 0;
  int64_t mtime_sec = 0;
  /// Which version of the object (or shard) this is, see `identity_of`.
  uint64_t identity = 0;
  std::string data;
  /// Instead of `data` (see `fetch_request::file_spans`); never leaves the
  /// node.
  std::shared_ptr<const file_span> file;
  /// Instead of `data` (see `fetch_request::peer_spans`): the token of
  /// `span_length` bytes in the target's `span_registry`.
  std::string span_token;
  uint64_t span_length = 0;
  /// Where the holder hands the span over on its host (see
  /// `span_handoff_server`; empty: HTTP only).
  std::string span_handoff;
  bool complete = false;

  uint64_t data_size() const {
    if (file)
      return file->length();
    if (!span_token.empty())
      return span_length;
    return data.size();
  }
};

/// A stored object's identity: it changes with every PUT (never 0).
inline uint64_t identity_of(const object_meta& meta) {
  return (meta.version * 0x9E3779B97F4A7C15ull
          ^ static_cast<uint64_t>(meta.mtime_ns))
         | 1u;
}

struct fetch_reply {
  std::vector<fetch_result> results;
};

/// Entries a work item will ask for soon: the owner may read them into the
/// page cache now (look-ahead), with up to `workers` readers.
struct warm_request {
  std::vector<fetch_item> items;
  int32_t workers = 0;
};

/// Reads the start of `item` into the page cache (at most `max_read`
/// bytes) and advises the kernel to read ahead the rest of its range.
/// Errors are ignored: this is only a hint.
void prefetch_entry(const object_store& store, const fetch_item& item,
                    uint64_t max_read);

/// Resolves `(start, length)` against an object of `size` bytes: the range's
/// length, or `ec::range_not_satisfiable`.
expected<uint64_t> resolve_range(int64_t start, int64_t length, uint64_t size,
                                 const std::string& what);

} // namespace moss
