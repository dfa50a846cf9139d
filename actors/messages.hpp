#pragma once

// The 0.17 `inspect` overloads of every type that travels between actors.
// Keeping them in one file confines the port to CAF 0.18+ to this file.

#include "core/cluster_map.hpp"
#include "core/fetch.hpp"
#include "core/listing.hpp"
#include "core/object_store.hpp"

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

namespace moss {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.id, x.http_url, x.caf_host,
           x.caf_port);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_map& x) {
  return f(caf::meta::type_name("cluster_map"), x.version, x.proxy, x.targets,
           x.buckets, x.settings, x.leaving);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object_meta& x) {
  return f(caf::meta::type_name("object_meta"), x.size, x.checksum, x.version,
           x.mtime_ns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listed_object& x) {
  return f(caf::meta::type_name("listed_object"), x.name, x.meta);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_query& x) {
  return f(caf::meta::type_name("list_query"), x.bucket, x.prefix,
           x.start_after, x.page_size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_page& x) {
  return f(caf::meta::type_name("list_page"), x.entries, x.continuation_token);
}

/// Entries or bytes handed from a work item to its serializer, in order.
struct slice_part {
  enum kind_t : uint8_t { begin = 0, data = 1, end = 2 };
  uint8_t kind = data;
  std::string name;
  uint64_t size = 0;
  int64_t mtime_sec = 0;
  piece bytes;
};

struct slice {
  std::vector<slice_part> parts;
  /// Entry bytes in `parts`.
  uint64_t payload = 0;
  /// Archive bytes around them (headers, padding; see
  /// `archive::framing_bytes`). Payload and framing count against the
  /// batch's window and are credited back once the client took them.
  uint64_t framing = 0;
};

/// What the HTTP side gets for one pull: archive bytes, and at the end the
/// metadata (`MossResp` JSON).
struct pull_reply {
  /// Archive output in order (large entry pieces as they came, not copied;
  /// file spans of local objects).
  std::vector<piece> data;
  bool done = false;
  std::string metadata;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_item& x) {
  return f(caf::meta::type_name("fetch_item"), x.index, x.bucket, x.objname,
           x.archpath, x.start, x.length, x.skip, x.identity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(caf::meta::type_name("fetch_request"), x.items, x.budget,
           x.stat_only, x.peer_spans);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_result& x) {
  return f(caf::meta::type_name("fetch_result"), x.index, x.code, x.error,
           x.total, x.offset, x.mtime_sec, x.identity, x.data, x.span_token,
           x.span_length, x.span_handoff, x.complete);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_reply& x) {
  return f(caf::meta::type_name("fetch_reply"), x.results);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, warm_request& x) {
  return f(caf::meta::type_name("warm_request"), x.items, x.workers);
}

/// Pieces only travel inside one node (serializer to HTTP thread), where
/// nothing is serialized; the inspector sees the bytes, never the spans.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece& x) {
  return f(caf::meta::type_name("piece"), x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slice_part& x) {
  return f(caf::meta::type_name("slice_part"), x.kind, x.name, x.size,
           x.mtime_sec, x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slice& x) {
  return f(caf::meta::type_name("slice"), x.parts, x.payload, x.framing);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pull_reply& x) {
  return f(caf::meta::type_name("pull_reply"), x.data, x.done, x.metadata);
}

} // namespace moss
