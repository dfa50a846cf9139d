#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace moss {

/// Sizes of stored objects by path, as `object_store::size_of` found them,
/// so that the existence checks of batches that read the same objects again
/// (every epoch of a training job) cost no system call. Every change made
/// through the store forgets the path; a file changed behind the store's
/// back is noticed when the object is read. Holds at most `capacity` paths
/// (then starts over).
class size_cache {
 public:
  explicit size_cache(size_t capacity) : capacity_(capacity) {
    // nop
  }

  std::optional<uint64_t> find(const std::string& path) const {
    std::lock_guard guard{mtx_};
    auto it = sizes_.find(path);
    if (it == sizes_.end())
      return std::nullopt;
    return it->second;
  }

  /// Changes so far; pass it to `remember` to drop a size read before a
  /// change.
  uint64_t generation() const {
    std::lock_guard guard{mtx_};
    return generation_;
  }

  void remember(const std::string& path, uint64_t size, uint64_t seen) {
    std::lock_guard guard{mtx_};
    if (seen != generation_)
      return;
    if (sizes_.size() >= capacity_)
      sizes_.clear();
    sizes_[path] = size;
  }

  void forget(const std::string& path) {
    std::lock_guard guard{mtx_};
    ++generation_;
    sizes_.erase(path);
  }

  void forget_all() {
    std::lock_guard guard{mtx_};
    ++generation_;
    sizes_.clear();
  }

  size_t size() const {
    std::lock_guard guard{mtx_};
    return sizes_.size();
  }

 private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, uint64_t> sizes_;
  uint64_t generation_ = 0;
  size_t capacity_;
};

} // namespace moss
