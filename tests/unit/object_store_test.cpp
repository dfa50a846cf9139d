#include "core/fetch.hpp"
#include "core/object_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

namespace fs = std::filesystem;

std::string read_all(const open_object& obj) {
  std::string data(obj.meta().size, '\0');
  auto n = ::pread(obj.fd(), data.data(), data.size(), 0);
  EXPECT_EQ(static_cast<size_t>(n), data.size());
  return data;
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir))
    n += e.is_regular_file() ? 1 : 0;
  return n;
}

class object_store_test : public ::testing::Test {
 protected:
  object_store_test()
      : store({dir.path() + "/mp1", dir.path() + "/mp2", dir.path() + "/mp3"}) {
    EXPECT_TRUE(store.init());
  }

  void put(const std::string& bucket, const std::string& name,
           const std::string& data) {
    auto w = store.create(bucket, name);
    ASSERT_TRUE(w) << w.error().message;
    ASSERT_TRUE(w->append(data.data(), data.size()));
    auto meta = w->commit();
    ASSERT_TRUE(meta) << meta.error().message;
    EXPECT_EQ(meta->size, data.size());
  }

  test::temp_dir dir;
  object_store store;
};

TEST_F(object_store_test, put_then_read_back_with_metadata) {
  put("b", "dir/x y.bin", "hello world");
  auto obj = store.open("b", "dir/x y.bin");
  ASSERT_TRUE(obj);
  EXPECT_EQ(read_all(*obj), "hello world");
  EXPECT_EQ(obj->meta().size, 11u);
  // XXH64("hello world", seed 0) from the xxHash reference implementation.
  EXPECT_EQ(checksum_hex(obj->meta().checksum), "45ab6734b21e6968");
  EXPECT_EQ(obj->meta().version, 1u);
  put("b", "dir/x y.bin", "v2");
  EXPECT_EQ(store.stat("b", "dir/x y.bin")->version, 2u);
}

TEST_F(object_store_test, objects_spread_over_mountpaths_by_hrw) {
  for (int i = 0; i < 60; ++i)
    put("b", "o" + std::to_string(i), "x");
  for (auto& mp : store.mountpaths()) {
    EXPECT_GT(count_files(mp + "/@ais"), 5u) << mp;
  }
  auto path = store.path_of("b", "o7");
  EXPECT_EQ(path.rfind(store.mountpath_of("b", "o7"), 0), 0u);
  EXPECT_TRUE(fs::exists(path));
}

TEST_F(object_store_test, uncommitted_writes_are_never_visible) {
  {
    auto w = store.create("b", "partial");
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append("abc", 3));
    EXPECT_EQ(store.open("b", "partial").error().code, ec::not_found);
  } // destroyed without commit: a client that went away mid-PUT
  EXPECT_EQ(store.open("b", "partial").error().code, ec::not_found);
  for (auto& mp : store.mountpaths())
    EXPECT_EQ(count_files(mp + "/.moss/tmp"), 0u);
}

TEST_F(object_store_test, startup_removes_leftovers_of_a_crash) {
  auto mp = store.mountpaths()[0];
  std::ofstream{mp + "/.moss/tmp/deadbeef"} << "half an object";
  object_store again{store.mountpaths()};
  ASSERT_TRUE(again.init());
  EXPECT_EQ(again.recovered_temp_files(), 1u);
  EXPECT_EQ(count_files(mp + "/.moss/tmp"), 0u);
}

TEST_F(object_store_test, file_and_directory_names_conflict_cleanly) {
  put("b", "a", "file");
  auto w = store.create("b", "a/b");
  ASSERT_TRUE(w);
  auto r = w->commit();
  // "a" is a file on disk, so "a/b" cannot exist beside it.
  if (store.mountpath_of("b", "a") == store.mountpath_of("b", "a/b")) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ec::conflict);
  }
  EXPECT_EQ(read_all(*store.open("b", "a")), "file");
}

TEST_F(object_store_test, remove_and_missing_objects) {
  put("b", "d1/d2/x", "1");
  ASSERT_TRUE(store.remove("b", "d1/d2/x"));
  EXPECT_EQ(store.open("b", "d1/d2/x").error().code, ec::not_found);
  EXPECT_EQ(store.remove("b", "d1/d2/x").error().code, ec::not_found);
  EXPECT_EQ(store.open("b", "d1").error().code, ec::not_found);
  EXPECT_NE(store.open("b", "nope").error().message.find("ais://b/nope"),
            std::string::npos);
}

TEST_F(object_store_test, remembered_sizes_follow_every_change) {
  put("b", "x", "12345");
  ASSERT_TRUE(store.size_of("b", "x"));
  EXPECT_EQ(*store.size_of("b", "x"), 5u);
  EXPECT_EQ(*store.size_of("b", "x"), 5u) << "from memory this time";
  put("b", "x", "123");
  EXPECT_EQ(*store.size_of("b", "x"), 3u) << "an overwrite is seen";
  ASSERT_TRUE(store.remove("b", "x"));
  auto gone = store.size_of("b", "x");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ec::not_found);
  put("b", "y", "1");
  EXPECT_EQ(*store.size_of("b", "y"), 1u);
  ASSERT_TRUE(store.destroy_bucket("b"));
  EXPECT_FALSE(store.size_of("b", "y")) << "a destroyed bucket is seen";
  put("b", "y", "22");
  EXPECT_EQ(*store.size_of("b", "y"), 2u);
}

TEST_F(object_store_test,
       a_known_size_is_one_size_of_found_and_no_change_dropped) {
  put("b", "x", "12345");
  EXPECT_FALSE(store.known_size("b", "x")) << "not looked at yet";
  ASSERT_TRUE(store.size_of("b", "x"));
  EXPECT_EQ(store.known_size("b", "x"), std::optional<uint64_t>{5});
  put("b", "x", "123");
  EXPECT_FALSE(store.known_size("b", "x")) << "an overwrite forgets it";
  ASSERT_TRUE(store.size_of("b", "x"));
  ASSERT_TRUE(store.remove("b", "x"));
  EXPECT_FALSE(store.known_size("b", "x")) << "a delete forgets it";
  EXPECT_FALSE(store.size_of("b", "x"));
  EXPECT_FALSE(store.known_size("b", "x")) << "a missing object has none";
}

TEST(size_cache, a_size_read_before_a_change_is_not_remembered) {
  size_cache sizes{2};
  auto seen = sizes.generation();
  sizes.forget("/a"); // a PUT committed while the stat ran
  sizes.remember("/a", 1, seen);
  EXPECT_FALSE(sizes.find("/a"));
  sizes.remember("/a", 2, sizes.generation());
  EXPECT_EQ(sizes.find("/a"), 2u);
  sizes.remember("/b", 3, sizes.generation());
  sizes.remember("/c", 4, sizes.generation());
  EXPECT_LE(sizes.size(), 2u) << "bounded";
  EXPECT_EQ(sizes.find("/c"), 4u);
}

TEST_F(object_store_test, list_pages_in_name_order) {
  for (auto name : {"c", "a/1", "a/2", "b", "a/10", "z z"})
    put("b", name, name);
  put("other", "a/1", "x");
  auto all = store.list("b", "", "", 100);
  ASSERT_TRUE(all);
  std::vector<std::string> names;
  for (auto& e : *all)
    names.push_back(e.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"a/1", "a/10", "a/2", "b", "c", "z z"}));
  auto page = store.list("b", "a/", "a/1", 1);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].name, "a/10");
  EXPECT_EQ((*page)[0].meta.size, 4u);
}

TEST_F(object_store_test, destroy_bucket_hides_everything_at_once) {
  put("b", "x", "1");
  ASSERT_TRUE(store.destroy_bucket("b"));
  EXPECT_EQ(store.open("b", "x").error().code, ec::not_found);
  EXPECT_TRUE(store.list("b", "", "", 10)->empty());
}

/// Pages of `path` in the page cache, as counted by mincore(2).
size_t cached_pages(const std::string& path, size_t size) {
  int fd = ::open(path.c_str(), O_RDONLY);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  EXPECT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  size_t n = 0;
  for (auto r : resident)
    n += r & 1;
  return n;
}

void evict(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

TEST_F(object_store_test, prefetch_reads_the_start_of_an_entry_into_the_cache) {
  constexpr size_t size = 4 << 20;
  put("b", "big", std::string(size, 'x'));
  auto path = store.path_of("b", "big");
  evict(path);
  if (cached_pages(path, size) != 0)
    GTEST_SKIP() << "this file system keeps pages despite POSIX_FADV_DONTNEED";
  prefetch_entry(store, fetch_item{0, "b", "big", "", 0, 0, 0}, 1 << 20);
  auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GE(cached_pages(path, size), (1u << 20) / page)
      << "at least the bytes read are cached";
  // A hint for something that does not exist is ignored.
  prefetch_entry(store, fetch_item{0, "b", "nope", "", 0, 0, 0}, 1 << 20);
}

} // namespace
} // namespace moss
