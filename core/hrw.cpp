#include "core/hrw.hpp"

#include <xxhash.h>

namespace moss {

uint64_t hrw_digest(std::string_view data) {
  return XXH64(data.data(), data.size(), hrw_seed);
}

uint64_t xoshiro256_hash(uint64_t x) {
  constexpr uint64_t g = 0x9e3779b97f4a7c15ULL;
  constexpr uint64_t c1 = 0xbf58476d1ce4e5b9ULL;
  constexpr uint64_t c2 = 0x94d049bb133111ebULL;
  uint64_t z = x + g;
  z = (z ^ (z >> 30)) * c1;
  z = (z ^ (z >> 27)) * c2;
  z = (z ^ (z >> 31)) + g;
  z = (z ^ (z >> 30)) * c1;
  z = (z ^ (z >> 27)) * c2;
  z = (z ^ (z >> 31)) * 5;
  z = (z << 7) | (z >> 57);
  return z * 9;
}

std::string object_uname(std::string_view provider, std::string_view bucket,
                         std::string_view object) {
  std::string result;
  result.reserve(provider.size() + bucket.size() + object.size() + 4);
  result.append(provider).append("/@#/").append(bucket).append("/");
  result.append(object);
  return result;
}

size_t hrw_pick(const std::vector<uint64_t>& candidates, uint64_t digest) {
  size_t best = candidates.size();
  uint64_t best_weight = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto weight = xoshiro256_hash(candidates[i] ^ digest);
    // `>=` as in AIStore: on an (improbable) tie the later candidate wins.
    if (best == candidates.size() || weight >= best_weight) {
      best = i;
      best_weight = weight;
    }
  }
  return best;
}

} // namespace moss
