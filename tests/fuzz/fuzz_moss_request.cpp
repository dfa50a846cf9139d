// The GetBatch request parser (`MossReq` JSON): any bytes give a request or
// an error, never a crash; a parsed request satisfies its invariants.
#include "core/batch.hpp"
#include "core/names.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto req = moss::parse_batch_request(body, "b", "", 1000);
  if (!req)
    return 0;
  if (req->entries.empty() || req->entries.size() > 1000)
    std::abort();
  for (auto& e : req->entries) {
    // Every accepted name passed validation and names the archive member.
    if (!moss::validate_object_name(e.objname)
        || (!e.archpath.empty() && !moss::validate_archpath(e.archpath))
        || !moss::validate_bucket_name(e.bucket))
      std::abort();
    if (moss::name_in_archive(e, req->onob).empty())
      std::abort();
  }
  return 0;
}
