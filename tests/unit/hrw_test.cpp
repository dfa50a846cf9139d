#include "core/cluster_map.hpp"
#include "core/hrw.hpp"

#include <gtest/gtest.h>

namespace moss {
namespace {

// Expected values come from tests/tools/hrw_reference.py, an independent
// pure-Python implementation of XXH64 and AIStore's xoshiro256 mixer
// (checked there against the XXH64 specification's test vector).

TEST(hrw, xxh64_with_the_aistore_seed) {
  EXPECT_EQ(hrw_digest(""), 0xaaa3575891557d33ULL);
  EXPECT_EQ(hrw_digest("a"), 0x5ef78d27d34fdc70ULL);
  EXPECT_EQ(hrw_digest("ais/@#/imgs/train/0001.jpg"), 0x9ac42585f0fd6a5fULL);
  EXPECT_EQ(hrw_digest("t1h3jhbg"), 0x96f12a142be11c56ULL);
  EXPECT_EQ(hrw_digest(std::string(100, 'x')), 0x6e4cfc33d6a1df09ULL);
}

TEST(hrw, xoshiro256_mixer) {
  EXPECT_EQ(xoshiro256_hash(0), 0x1a70a846bd9cc2a9ULL);
  EXPECT_EQ(xoshiro256_hash(1), 0xc5883e370b0926c3ULL);
  EXPECT_EQ(xoshiro256_hash(0xdeadbeefcafebabeULL), 0x922d3b105868f677ULL);
}

TEST(hrw, object_uname_uses_the_global_namespace) {
  EXPECT_EQ(object_uname("ais", "imgs", "train/0001.jpg"),
            "ais/@#/imgs/train/0001.jpg");
}

TEST(hrw, owner_is_the_highest_random_weight) {
  cluster_map map;
  for (auto id : {"tA", "tB", "tC"})
    map.targets.push_back(node_info{id, "http://x", "x", 0, 0});
  map.refresh_digests();
  EXPECT_EQ(map.owner("ais/@#/b/o1")->id, "tA");
  EXPECT_EQ(map.owner("ais/@#/b/o2")->id, "tC");
  EXPECT_EQ(map.owner("ais/@#/b/o3")->id, "tB");
  EXPECT_EQ(map.owner("ais/@#/b/o4")->id, "tA");
}

TEST(hrw, removing_a_target_moves_only_its_objects) {
  cluster_map all;
  for (auto id : {"t1", "t2", "t3", "t4"})
    all.targets.push_back(node_info{id, "", "", 0, 0});
  all.refresh_digests();
  auto three = all;
  three.targets.pop_back();
  int moved = 0;
  for (int i = 0; i < 2000; ++i) {
    auto name = "ais/@#/b/obj-" + std::to_string(i);
    auto before = all.owner(name)->id;
    auto after = three.owner(name)->id;
    if (before != "t4")
      EXPECT_EQ(before, after) << name;
    else
      ++moved;
  }
  // Roughly a quarter of the objects lived on t4.
  EXPECT_GT(moved, 350);
  EXPECT_LT(moved, 650);
}

TEST(hrw, no_targets_no_owner) {
  cluster_map map;
  EXPECT_EQ(map.owner("ais/@#/b/o"), nullptr);
  EXPECT_EQ(hrw_pick({}, 42), 0u);
}

} // namespace
} // namespace moss
