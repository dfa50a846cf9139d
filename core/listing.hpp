#pragma once

#include "core/object_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moss {

/// One page request of a bucket listing.
struct list_query {
  std::string bucket;
  std::string prefix;
  /// Names up to and including this one are skipped (the continuation token).
  std::string start_after;
  uint32_t page_size = 1000;
};

/// One page of a bucket listing, in name order.
struct list_page {
  std::vector<listed_object> entries;
  /// Empty when this is the last page; otherwise what to send next.
  std::string continuation_token;
};

/// Merges per-target pages (each sorted, each holding at most
/// `query.page_size` entries) into one page of the cluster-wide listing.
list_page merge_pages(std::vector<list_page> pages, const list_query& query);

} // namespace moss
