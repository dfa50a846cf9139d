#include "core/object_store.hpp"

#include "core/hrw.hpp"
#include "core/log.hpp"
#include "core/names.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

namespace fs = std::filesystem;

namespace moss {

namespace {

constexpr const char* meta_xattr = "user.moss";
/// Object sizes a store remembers for existence checks (about 150 bytes
/// each with the path).
constexpr size_t max_cached_sizes = 256 * 1024;

error errno_error(int err, const std::string& what) {
  auto text = what + ": " + std::strerror(err);
  switch (err) {
  case ENOSPC:
  case EDQUOT:
    return make_error(ec::insufficient_storage, text);
  case ENOENT:
    return make_error(ec::not_found, text);
  case ENOTDIR:
  case EISDIR:
  case EEXIST:
  case ENOTEMPTY:
    return make_error(ec::conflict, text);
  case ENAMETOOLONG:
    return make_error(ec::invalid_argument, text);
  default:
    return make_error(ec::io_error, text);
  }
}

std::string encode_meta(const object_meta& m) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "1 %llu %llu %llu %lld",
                static_cast<unsigned long long>(m.size),
                static_cast<unsigned long long>(m.checksum),
                static_cast<unsigned long long>(m.version),
                static_cast<long long>(m.mtime_ns));
  return buf;
}

bool decode_meta(const char* data, ssize_t len, object_meta& m) {
  if (len <= 0 || len >= 128)
    return false;
  std::string text(data, static_cast<size_t>(len));
  unsigned long long size, sum, version;
  long long mtime;
  if (std::sscanf(text.c_str(), "1 %llu %llu %llu %lld", &size, &sum, &version,
                  &mtime)
      != 4)
    return false;
  m = object_meta{size, sum, version, mtime};
  return true;
}

/// Metadata of an open file: the stored xattr, or what stat tells for files
/// that reached the mountpath without moss.
object_meta read_meta(int fd, const struct stat& st) {
  char buf[128];
  object_meta m;
  auto len = fgetxattr(fd, meta_xattr, buf, sizeof(buf));
  if (decode_meta(buf, len, m) && m.size == static_cast<uint64_t>(st.st_size))
    return m;
  m.size = static_cast<uint64_t>(st.st_size);
  m.checksum = 0;
  m.version = 1;
  m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000
               + st.st_mtim.tv_nsec;
  return m;
}

std::string random_hex(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s)
    c = digits[rng() % 16];
  return s;
}

std::string bucket_dir(const std::string& mountpath, const std::string& b) {
  return mountpath + "/@ais/" + b;
}

size_t clear_directory(const fs::path& dir) {
  size_t removed = 0;
  std::error_code err;
  for (auto& entry : fs::directory_iterator(dir, err)) {
    std::error_code ignored;
    removed += fs::remove_all(entry.path(), ignored) > 0 ? 1 : 0;
  }
  return removed;
}

} // namespace

bool pread_all(int fd, char* buf, size_t size, uint64_t offset) {
  size_t got = 0;
  while (got < size) {
    auto n
        = ::pread(fd, buf + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string checksum_hex(uint64_t checksum) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(checksum));
  return buf;
}

// -- open_object --------------------------------------------------------------

open_object::open_object(open_object&& other) noexcept
    : fd_(other.fd_), meta_(other.meta_) {
  other.fd_ = -1;
}

open_object::~open_object() {
  if (fd_ >= 0)
    ::close(fd_);
}

// -- object_writer ------------------------------------------------------------

object_writer::object_writer(std::string tmp_path, std::string final_path,
                             int fd, std::shared_ptr<size_cache> sizes)
    : tmp_path_(std::move(tmp_path)), final_path_(std::move(final_path)),
      fd_(fd), hash_state_(XXH64_createState()), sizes_(std::move(sizes)) {
  XXH64_reset(static_cast<XXH64_state_t*>(hash_state_), 0);
}

object_writer::object_writer(object_writer&& other) noexcept
    : tmp_path_(std::move(other.tmp_path_)),
      final_path_(std::move(other.final_path_)), fd_(other.fd_),
      size_(other.size_), hash_state_(other.hash_state_),
      sizes_(std::move(other.sizes_)) {
  other.fd_ = -1;
  other.hash_state_ = nullptr;
  other.tmp_path_.clear();
}

object_writer::~object_writer() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!tmp_path_.empty())
    ::unlink(tmp_path_.c_str());
  if (hash_state_ != nullptr)
    XXH64_freeState(static_cast<XXH64_state_t*>(hash_state_));
}

expected<void> object_writer::append(const char* data, size_t size) {
  XXH64_update(static_cast<XXH64_state_t*>(hash_state_), data, size);
  if (!write_all(fd_, data, size))
    return errno_error(errno, "write");
  size_ += size;
  return {};
}

expected<object_meta> object_writer::commit() {
  object_meta meta;
  meta.size = size_;
  meta.checksum = XXH64_digest(static_cast<XXH64_state_t*>(hash_state_));
  meta.version = 1;
  char buf[128];
  auto len = ::getxattr(final_path_.c_str(), meta_xattr, buf, sizeof(buf));
  object_meta previous;
  if (decode_meta(buf, len, previous))
    meta.version = previous.version + 1;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  meta.mtime_ns
      = static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  if (::fsync(fd_) != 0)
    return errno_error(errno, "fsync");
  auto text = encode_meta(meta);
  if (::fsetxattr(fd_, meta_xattr, text.data(), text.size(), 0) != 0)
    return errno_error(errno, "setxattr");
  ::close(fd_);
  fd_ = -1;
  auto parent = fs::path{final_path_}.parent_path();
  std::error_code err;
  fs::create_directories(parent, err);
  if (err)
    return errno_error(err.value(), "cannot create the object's directory");
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0)
    return errno_error(errno, "rename");
  tmp_path_.clear();
  if (sizes_)
    sizes_->forget(final_path_);
  int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return meta;
}

// -- object_store -------------------------------------------------------------

object_store::object_store(std::vector<std::string> mountpaths)
    : mountpaths_(std::move(mountpaths)),
      sizes_(std::make_shared<size_cache>(max_cached_sizes)) {
  for (auto& mp : mountpaths_) {
    while (mp.size() > 1 && mp.back() == '/')
      mp.pop_back();
    digests_.push_back(hrw_digest(mp));
  }
}

expected<void> object_store::init() {
  if (mountpaths_.empty())
    return make_error(ec::invalid_argument, "a target needs a mountpath");
  recovered_ = 0;
  for (auto& mp : mountpaths_) {
    std::error_code err;
    for (auto sub : {"/@ais", "/.moss/tmp", "/.moss/trash"}) {
      fs::create_directories(mp + sub, err);
      if (err)
        return make_error(ec::io_error,
                          "cannot create " + mp + sub + ": " + err.message());
    }
    recovered_ += clear_directory(mp + "/.moss/tmp");
    clear_directory(mp + "/.moss/trash");
    auto probe = mp + "/.moss/xattr-probe";
    int fd
        = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno_error(errno, "mountpath " + mp + " is not writable");
    bool ok = ::fsetxattr(fd, meta_xattr, "1", 1, 0) == 0;
    auto saved = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (!ok)
      return errno_error(saved,
                         "mountpath " + mp + " does not support user xattrs");
  }
  if (recovered_ > 0)
    log::info("removed ", recovered_, " leftover file(s) of interrupted PUTs");
  return {};
}

const std::string& object_store::mountpath_of(const std::string& bucket,
                                              const std::string& object) const {
  auto digest = hrw_digest(object_uname("ais", bucket, object));
  return mountpaths_[hrw_pick(digests_, digest)];
}

std::string object_store::path_of(const std::string& bucket,
                                  const std::string& object) const {
  return bucket_dir(mountpath_of(bucket, object), bucket) + "/%ob/" + object;
}

expected<object_writer> object_store::create(const std::string& bucket,
                                             const std::string& object) {
  auto& mp = mountpath_of(bucket, object);
  auto tmp = mp + "/.moss/tmp/" + random_hex(24);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno_error(errno, "cannot create a temporary file");
  return object_writer{tmp, path_of(bucket, object), fd, sizes_};
}

expected<open_object> object_store::open(const std::string& bucket,
                                         const std::string& object) const {
  auto path = path_of(bucket, object);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  auto missing = [&] {
    return make_error(ec::not_found,
                      display_name(bucket, object) + " does not exist");
  };
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return missing();
    return errno_error(errno, "cannot open " + display_name(bucket, object));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return missing();
  }
  return open_object{fd, read_meta(fd, st)};
}

expected<object_meta> object_store::stat(const std::string& bucket,
                                         const std::string& object) const {
  auto obj = open(bucket, object);
  if (!obj)
    return obj.error();
  return obj->meta();
}

expected<uint64_t> object_store::size_of(const std::string& bucket,
                                         const std::string& object) const {
  auto path = path_of(bucket, object);
  if (auto size = sizes_->find(path))
    return *size;
  auto seen = sizes_->generation();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return make_error(ec::not_found,
                        display_name(bucket, object) + " does not exist");
    return errno_error(errno, "cannot stat " + display_name(bucket, object));
  }
  if (!S_ISREG(st.st_mode))
    return make_error(ec::not_found,
                      display_name(bucket, object) + " does not exist");
  sizes_->remember(path, static_cast<uint64_t>(st.st_size), seen);
  return static_cast<uint64_t>(st.st_size);
}

std::optional<uint64_t>
object_store::known_size(const std::string& bucket,
                         const std::string& object) const {
  return sizes_->find(path_of(bucket, object));
}

expected<void> object_store::remove(const std::string& bucket,
                                    const std::string& object) {
  auto path = path_of(bucket, object);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(ec::not_found,
                      display_name(bucket, object) + " does not exist");
  if (::unlink(path.c_str()) != 0)
    return errno_error(errno, "cannot delete " + display_name(bucket, object));
  sizes_->forget(path);
  // Remove directories the object leaves empty, up to the bucket's root.
  auto root
      = fs::path{bucket_dir(mountpath_of(bucket, object), bucket)} / "%ob";
  for (auto dir = fs::path{path}.parent_path(); dir != root;
       dir = dir.parent_path()) {
    if (::rmdir(dir.c_str()) != 0)
      break;
  }
  return {};
}

expected<void> object_store::destroy_bucket(const std::string& bucket) {
  std::vector<fs::path> doomed;
  for (auto& mp : mountpaths_) {
    auto dir = bucket_dir(mp, bucket);
    auto trash = mp + "/.moss/trash/" + bucket + "." + random_hex(8);
    if (::rename(dir.c_str(), trash.c_str()) == 0)
      doomed.emplace_back(trash);
    else if (errno != ENOENT)
      return errno_error(errno, "cannot destroy " + display_name(bucket));
    sizes_->forget_all();
  }
  if (!doomed.empty())
    std::thread{[doomed = std::move(doomed)] {
      for (auto& dir : doomed) {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
      }
    }}.detach();
  return {};
}

expected<std::vector<listed_object>>
object_store::list(const std::string& bucket, const std::string& prefix,
                   const std::string& start_after, size_t limit) const {
  std::vector<std::string> names;
  for (auto& mp : mountpaths_) {
    fs::path root = bucket_dir(mp, bucket) + "/%ob";
    std::error_code err;
    if (!fs::exists(root, err))
      continue;
    auto root_len = root.native().size() + 1;
    fs::recursive_directory_iterator it{root, err}, end;
    if (err)
      return make_error(ec::io_error, "cannot list " + display_name(bucket)
                                          + ": " + err.message());
    for (; it != end; it.increment(err)) {
      if (err)
        return make_error(ec::io_error, "cannot list " + display_name(bucket)
                                            + ": " + err.message());
      if (!it->is_regular_file(err))
        continue;
      auto name = it->path().native().substr(root_len);
      if (name.compare(0, prefix.size(), prefix) != 0)
        continue;
      if (!start_after.empty() && name <= start_after)
        continue;
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  if (names.size() > limit)
    names.resize(limit);
  std::vector<listed_object> result;
  result.reserve(names.size());
  for (auto& name : names) {
    auto meta = stat(bucket, name);
    if (meta) // deleted meanwhile: skip it
      result.push_back(listed_object{std::move(name), *meta});
  }
  return result;
}

} // namespace moss
