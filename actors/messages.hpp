#pragma once

// The 0.17 `inspect` overloads of every type that travels between actors.
// Keeping them in one file confines the port to CAF 0.18+ to this file.

#include "core/cluster_map.hpp"
#include "core/listing.hpp"
#include "core/object_store.hpp"

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
           x.buckets);
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

} // namespace moss
