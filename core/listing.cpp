#include "core/listing.hpp"

#include <algorithm>

namespace moss {

list_page merge_pages(std::vector<list_page> pages, const list_query& query) {
  list_page result;
  bool some_target_full = false;
  for (auto& page : pages) {
    if (page.entries.size() >= query.page_size)
      some_target_full = true;
    for (auto& e : page.entries)
      result.entries.push_back(std::move(e));
  }
  std::sort(result.entries.begin(), result.entries.end(),
            [](const listed_object& a, const listed_object& b) {
              return a.name < b.name;
            });
  bool truncated = result.entries.size() > query.page_size;
  if (truncated)
    result.entries.resize(query.page_size);
  // A target that filled its page may hold more names than it sent.
  if ((truncated || some_target_full) && !result.entries.empty())
    result.continuation_token = result.entries.back().name;
  return result;
}

} // namespace moss
