#pragma once

#include "core/batch.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace moss::archive {

/// Builds an archive incrementally, entry by entry, into an output buffer
/// that the caller drains with `take`. Nothing is kept after it is taken, so
/// memory is bounded by what one call adds.
class writer {
 public:
  virtual ~writer() = default;

  /// Starts a regular file of exactly `size` bytes.
  virtual void begin_entry(const std::string& name, uint64_t size,
                           int64_t mtime_sec)
      = 0;

  virtual void write(const char* data, size_t size) = 0;

  virtual void end_entry() = 0;

  /// Pushes buffered (compressed) bytes out, so a waiting client gets them.
  virtual void flush() {
    // nop
  }

  /// Writes the end of the archive.
  virtual void finish() = 0;

  /// Bytes produced so far and not yet taken.
  size_t buffered() const { return out_.size(); }

  std::string take() {
    std::string result;
    result.swap(out_);
    return result;
  }

 protected:
  std::string out_;
};

/// A TAR writer (USTAR headers, PAX records for long names or sizes), or one
/// wrapped in gzip / LZ4 frames, or a streaming ZIP writer.
std::unique_ptr<writer> make_writer(archive_format fmt);

/// One TAR header (with a PAX header in front where needed) for a regular
/// file: mode 0644, uid/gid 0.
std::string tar_header(const std::string& name, uint64_t size,
                       int64_t mtime_sec);

} // namespace moss::archive
