#pragma once

// A small C++ client for moss and AIStore clusters: objects, listings and
// GetBatch, over the same HTTP API the AIStore SDK uses.

#include "core/error.hpp"
#include "http/client.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace moss::client {

/// One object of a listing.
struct listed_entry {
  std::string name;
  uint64_t size = 0;
};

/// One entry of a GetBatch request (`MossIn`).
struct batch_entry {
  std::string objname;
  /// Another bucket than the request's (empty: the request's).
  std::string bucket;
  /// A file inside a TAR/TGZ/TAR.LZ4/ZIP shard (empty: the whole object).
  std::string archpath;
  /// A byte range (length 0: everything, -1: to the end).
  int64_t start = 0;
  int64_t length = 0;
};

/// The options of a GetBatch request (`MossReq`).
struct batch_options {
  /// tar, tgz, tar.lz4 or zip.
  std::string format = "tar";
  /// Missing entries become empty `__404__/...` members instead of failing.
  bool continue_on_error = false;
  /// Member names without the bucket.
  bool only_object_names = false;
};

/// The bearer token in `AIS_AUTHN_TOKEN` (where the AIStore CLI and SDK
/// look for it), or an empty string.
std::string token_from_environment();

/// `Authorization: Bearer <token>`, or nothing for an empty token.
http::header_list bearer_headers(const std::string& token);

/// Talks to one cluster through its proxy, following redirects. Not
/// thread-safe: use one client per thread.
class cluster_client {
 public:
  /// @param token sent as `Authorization: Bearer` with every request, when
  ///        the cluster checks tokens (empty: none).
  explicit cluster_client(std::string endpoint,
                          std::chrono::milliseconds timeout
                          = std::chrono::seconds(60),
                          const std::string& token = token_from_environment());

  const std::string& endpoint() const { return endpoint_; }

  /// Whether `bucket` exists.
  expected<bool> has_bucket(const std::string& bucket);
  /// Creates `bucket` (`ec::already_exists` if it is there).
  expected<void> create_bucket(const std::string& bucket);

  /// Stores `data` as `bucket/name`.
  expected<void> put(const std::string& bucket, const std::string& name,
                     std::string data);
  /// Stores the file at `path` as `bucket/name`, streaming it.
  expected<void> put_file(const std::string& bucket, const std::string& name,
                          const std::string& path);
  expected<std::string> get(const std::string& bucket, const std::string& name);

  /// Every object of `bucket` whose name starts with `prefix`, in name
  /// order (all pages).
  expected<std::vector<listed_entry>> list(const std::string& bucket,
                                           const std::string& prefix = {});

  /// GetBatch: one archive with every entry, in request order, streamed into
  /// `sink` as it arrives.
  expected<void> get_batch(const std::string& bucket,
                           const std::vector<batch_entry>& entries,
                           const batch_options& options,
                           const http::body_sink& sink);

 private:
  std::string endpoint_;
  http::session session_;
};

/// The GetBatch request body (`MossReq` JSON) for `entries`.
std::string batch_request_json(const std::vector<batch_entry>& entries,
                               const batch_options& options);

} // namespace moss::client
