#pragma once

#include "core/error.hpp"
#include "core/size_cache.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moss {

/// What moss stores next to each object (in the `user.moss` xattr).
struct object_meta {
  uint64_t size = 0;
  /// XXH64 (seed 0) of the content.
  uint64_t checksum = 0;
  /// Starts at 1, incremented on every overwrite.
  uint64_t version = 0;
  /// Time of the last write, in nanoseconds since the epoch.
  int64_t mtime_ns = 0;
};

/// One entry of a bucket listing.
struct listed_object {
  std::string name;
  object_meta meta;
};

/// An open object: a file descriptor positioned nowhere in particular (use
/// pread) plus its metadata. Closes the descriptor on destruction.
class open_object {
 public:
  open_object(int fd, object_meta meta) : fd_(fd), meta_(meta) {
    // nop
  }
  open_object(open_object&& other) noexcept;
  open_object& operator=(open_object&&) = delete;
  ~open_object();
  int fd() const { return fd_; }
  const object_meta& meta() const { return meta_; }

 private:
  int fd_;
  object_meta meta_;
};

/// Receives the body of a PUT. Nothing is visible under the object's name
/// until `commit` succeeds; destroying an uncommitted writer removes its
/// temporary file.
class object_writer {
 public:
  /// Forgets `final_path` in `sizes` once committed (`sizes` may be null).
  object_writer(std::string tmp_path, std::string final_path, int fd,
                std::shared_ptr<size_cache> sizes);
  object_writer(object_writer&& other) noexcept;
  object_writer& operator=(object_writer&&) = delete;
  ~object_writer();

  expected<void> append(const char* data, size_t size);

  /// fsyncs the data, stores the metadata, and renames the file into place.
  expected<object_meta> commit();

 private:
  std::string tmp_path_;
  std::string final_path_;
  int fd_;
  uint64_t size_ = 0;
  void* hash_state_;
  std::shared_ptr<size_cache> sizes_;
};

/// The objects of one target, spread over its mountpaths by HRW. Layout per
/// mountpath: `@ais/<bucket>/%ob/<object>` for data, `.moss/tmp/` for PUTs in
/// progress, `.moss/trash/` for destroyed buckets awaiting removal.
class object_store {
 public:
  explicit object_store(std::vector<std::string> mountpaths);

  /// Creates the layout, removes leftovers of interrupted PUTs and checks
  /// that every mountpath supports user xattrs.
  expected<void> init();

  const std::vector<std::string>& mountpaths() const { return mountpaths_; }

  /// The mountpath that holds `bucket/object`.
  const std::string& mountpath_of(const std::string& bucket,
                                  const std::string& object) const;

  /// Absolute path of the object's file.
  std::string path_of(const std::string& bucket,
                      const std::string& object) const;

  expected<object_writer> create(const std::string& bucket,
                                 const std::string& object);

  expected<open_object> open(const std::string& bucket,
                             const std::string& object) const;

  expected<object_meta> stat(const std::string& bucket,
                             const std::string& object) const;

  /// The object's size, with one system call (no metadata) or none (a size
  /// seen before and not changed through this store since): for existence
  /// checks of many objects.
  expected<uint64_t> size_of(const std::string& bucket,
                             const std::string& object) const;

  /// The size `size_of` remembered for the object, if it did (no system
  /// call, so callers that must not block on the disk can ask).
  std::optional<uint64_t> known_size(const std::string& bucket,
                                     const std::string& object) const;

  expected<void> remove(const std::string& bucket, const std::string& object);

  /// Moves the bucket's data out of sight and deletes it in the background.
  expected<void> destroy_bucket(const std::string& bucket);

  /// Objects of `bucket` whose names start with `prefix` and sort after
  /// `start_after`, in name order, at most `limit` of them.
  expected<std::vector<listed_object>> list(const std::string& bucket,
                                            const std::string& prefix,
                                            const std::string& start_after,
                                            size_t limit) const;

  /// Number of PUT leftovers removed by the last `init`.
  size_t recovered_temp_files() const { return recovered_; }

 private:
  std::vector<std::string> mountpaths_;
  std::vector<uint64_t> digests_;
  size_t recovered_ = 0;
  std::shared_ptr<size_cache> sizes_;
};

/// Reads exactly `size` bytes at `offset`; false on an error or early EOF.
bool pread_all(int fd, char* buf, size_t size, uint64_t offset);

/// Writes all of `data`; false on an error (errno tells which).
bool write_all(int fd, const char* data, size_t size);

/// Hex form of a checksum, 16 lowercase digits.
std::string checksum_hex(uint64_t checksum);

} // namespace moss
