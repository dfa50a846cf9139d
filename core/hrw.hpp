#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moss {

/// Seed of every placement hash: AIStore's MLCG32 constant.
constexpr uint64_t hrw_seed = 1103515245;

/// XXH64 of `data` with the placement seed.
uint64_t hrw_digest(std::string_view data);

/// AIStore's xoshiro256 finalizer (a splitmix-style 64-bit mixer).
uint64_t xoshiro256_hash(uint64_t x);

/// The string that places an object: `provider/@#/bucket/object`.
std::string object_uname(std::string_view provider, std::string_view bucket,
                         std::string_view object);

/// Returns the index of the highest-random-weight candidate for the object
/// digest `digest`, given the precomputed digests of the candidates' ids.
/// Returns `candidates.size()` when there are no candidates.
size_t hrw_pick(const std::vector<uint64_t>& candidates, uint64_t digest);

} // namespace moss
