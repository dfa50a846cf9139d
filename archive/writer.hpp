#pragma once

#include "core/batch.hpp"
#include "core/piece.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

  /// Writes `data`, which the writer may keep as it is instead of copying
  /// (large pieces of an uncompressed archive go out untouched).
  virtual void write_owned(std::string data) {
    write(data.data(), data.size());
  }

  /// Writes the bytes of `span`; an uncompressed archive passes the span
  /// itself on, every other writer reads it.
  virtual void write_file(std::shared_ptr<const file_span> span) {
    write_owned(span->read());
  }

  virtual void end_entry() = 0;

  /// Pushes buffered (compressed) bytes out, so a waiting client gets them.
  virtual void flush() {
    // nop
  }

  /// Writes the end of the archive.
  virtual void finish() = 0;

  /// Bytes produced so far and not yet taken.
  size_t buffered() const {
    size_t n = out_.size();
    for (auto& p : sealed_)
      n += p.size();
    return n;
  }

  /// Moves the output produced so far, in order, to the end of `into`.
  void take_parts(std::vector<piece>& into) {
    seal();
    for (auto& p : sealed_)
      into.push_back(std::move(p));
    sealed_.clear();
  }

  /// The bytes produced so far as one string (file spans read).
  std::string take() {
    std::vector<piece> parts;
    take_parts(parts);
    std::string all;
    for (auto& p : parts)
      all += p.file ? p.file->read() : p.bytes;
    return all;
  }

 protected:
  /// Appends `data` after everything written so far without copying it.
  void adopt(std::string data) {
    seal();
    sealed_.push_back({std::move(data), nullptr});
  }

  /// Appends a file span after everything written so far.
  void adopt(std::shared_ptr<const file_span> span) {
    seal();
    sealed_.push_back({{}, std::move(span)});
  }

  std::string out_;

 private:
  void seal() {
    if (!out_.empty()) {
      sealed_.push_back({std::move(out_), nullptr});
      out_.clear();
    }
  }

  std::vector<piece> sealed_;
};

/// A TAR writer (USTAR headers, PAX records for long names or sizes), or one
/// wrapped in gzip / LZ4 frames, or a streaming ZIP writer.
std::unique_ptr<writer> make_writer(archive_format fmt);

/// One TAR header (with a PAX header in front where needed) for a regular
/// file: mode 0644, uid/gid 0.
std::string tar_header(const std::string& name, uint64_t size,
                       int64_t mtime_sec);

} // namespace moss::archive
