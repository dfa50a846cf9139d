#pragma once

#include "core/listing.hpp"
#include "http/backend.hpp"
#include "http/exchange.hpp"
#include "http/url.hpp"

#include <string>

namespace moss::http {

/// A validated `/v1/objects/<bucket>/<object>` address.
struct object_address {
  std::string bucket;
  std::string object;
};

/// Validates the bucket and object of an object request, and that the bucket
/// exists in `map` (404 naming `ais://bucket` otherwise).
expected<object_address> parse_object_path(const request_target& target,
                                           const cluster_map& map);

/// An object request with its owner (a target of the map it came from).
struct routed_object {
  object_address addr;
  const node_info* owner = nullptr;
};

/// Validates an object request (path, bucket, method) and finds the owner
/// in `map`; the caller keeps `map` alive while it uses the owner.
expected<routed_object> route_object(const exchange& ex,
                                     const request_target& target,
                                     const cluster_map& map);

/// Answers `/v1/health` and `/v1/daemon?what=smap`; false if the path is
/// neither.
bool serve_common(exchange& ex, const request_target& target,
                  const cluster_view& view);

/// Sends `307 Temporary Redirect` to `base_url + path [+ ? + raw_query]`.
void redirect(exchange& ex, const std::string& base_url,
              const std::string& encoded_path, const std::string& raw_query);

/// The percent-encoded path of an object URL.
std::string object_path(const std::string& bucket, const std::string& object);

/// Reads a list request: the AIStore action body (`{"action":"list",
/// "value":{"prefix":..,"pagesize":..,"continuation_token":..}}`) if any,
/// else the query parameters of the same names.
expected<list_query> parse_list_request(exchange& ex,
                                        const request_target& target,
                                        const std::string& bucket,
                                        uint32_t max_page_size,
                                        uint64_t max_body);

/// Reads a bucket action body (`{"action": "create-bck", ...}`) and returns
/// the action, or an empty string for an empty body.
expected<std::string> parse_bucket_action(exchange& ex, uint64_t max_body);

} // namespace moss::http
