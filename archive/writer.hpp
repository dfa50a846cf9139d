#pragma once

#include "core/batch.hpp"
#include "core/piece.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
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

  /// Passes `span` on for the HTTP side to collect; only an uncompressed
  /// archive can (a work item asks for peer spans only for TAR output).
  virtual void write_peer(std::shared_ptr<const peer_span> span) {
    throw std::logic_error{"a " + std::to_string(span->length)
                           + "-byte peer span reached a compressing writer"};
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

  /// The bytes produced so far as one string (file spans read; there must
  /// be no peer spans).
  std::string take() {
    std::vector<piece> parts;
    take_parts(parts);
    std::string all;
    for (auto& p : parts) {
      if (p.peer)
        throw std::logic_error{"take(): the output has a peer span"};
      all += p.file ? p.file->read() : p.bytes;
    }
    return all;
  }

 protected:
  /// Appends bytes or a span after everything written so far without
  /// copying.
  void adopt(piece p) {
    seal();
    sealed_.push_back(std::move(p));
  }

  std::string out_;

 private:
  void seal() {
    if (!out_.empty()) {
      sealed_.push_back({std::move(out_), nullptr, nullptr});
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

/// Archive bytes around an entry of `size` bytes named with `name_size`
/// characters: TAR's header, PAX records where the name is long, and the
/// padding. An upper bound for the other formats' headers as well.
uint64_t framing_bytes(size_t name_size, uint64_t size);

} // namespace moss::archive
