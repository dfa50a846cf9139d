#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moss {

/// Output archive formats of GetBatch.
enum class archive_format : uint8_t { tar, tgz, tar_gz, zip, tar_lz4 };

/// `.tar`, `.tgz`, `.tar.gz`, `.zip` or `.tar.lz4`.
const char* extension(archive_format fmt);

/// The Content-Type of a streamed archive (AIStore's table).
const char* content_type(archive_format fmt);

/// AIStore's mime normalization: `tar.gz`/`tar.lz4` substrings first, then
/// the first extension whose text (without the dot) occurs in `mime`.
/// Empty means `.tar`.
expected<archive_format> normalize_mime(std::string_view mime);

/// One `MossIn` entry, validated, with its bucket resolved.
struct batch_entry {
  std::string objname;
  std::string bucket;
  /// Normalized (`aws`, not `s3`).
  std::string provider = "ais";
  std::string archpath;
  /// Decoded bytes of `opaque` (echoed back, standard base64).
  std::string opaque;
  int64_t start = 0;
  /// 0 (whole object, only with start 0), > 0 (exactly that many bytes),
  /// or -1 (from start to the end).
  int64_t length = 0;
  bool has_opaque = false;
};

/// A validated `MossReq`.
struct batch_request {
  archive_format format = archive_format::tar;
  std::vector<batch_entry> entries;
  bool coer = false;
  bool onob = false;
  bool strm = false;
};

/// Parses and validates a bare `MossReq` JSON body. Entries without a bucket
/// take `url_bucket`; keys match case-insensitively (as Go's decoder does).
/// More than `max_entries` entries is `ec::too_large`.
expected<batch_request> parse_batch_request(std::string_view body,
                                            const std::string& url_bucket,
                                            const std::string& url_provider,
                                            uint32_t max_entries);

/// The entry's name inside the output archive: `bucket/obj[/archpath]`, or
/// `obj[/archpath]` with `onob`.
std::string name_in_archive(const batch_entry& e, bool onob);

/// The name of a missing entry's placeholder: `__404__/` + the name above.
std::string missing_name(const batch_entry& e, bool onob);

/// Standard base64 with padding.
std::string base64_encode(std::string_view data);

/// Decodes standard or URL-safe base64, padded or not.
expected<std::string> base64_decode(std::string_view text);

} // namespace moss

namespace moss {

/// A validated request plus where each entry lives: what a work item runs.
struct batch_plan {
  batch_request req;
  /// The owner of each entry (same order as `req.entries`), as an index
  /// into `owner_ids`: two bytes an entry instead of a string.
  std::vector<uint16_t> owners;
  /// Target ids, each once.
  std::vector<std::string> owner_ids;
  /// `gbt-...`, reported as `MossResp.uuid`.
  std::string uuid;
  /// `host:port` of each target's HTTP API, by id (where the designated
  /// target collects peer spans).
  std::unordered_map<std::string, std::string> target_addresses;

  /// Makes target `id` the owner of the next entry.
  void add_owner(const std::string& id);
  const std::string& owner_of(size_t entry) const {
    return owner_ids[owners[entry]];
  }

 private:
  std::unordered_map<std::string, uint16_t> owner_slots_;
};

} // namespace moss
