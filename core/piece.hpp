#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace moss {

/// A stretch of an open file that goes into an archive as it is: the HTTP
/// side sends it with `sendfile`, so its bytes never enter user space.
class file_span {
 public:
  /// Takes ownership of `fd`.
  file_span(int fd, uint64_t offset, uint64_t length);
  ~file_span();
  file_span(const file_span&) = delete;
  file_span& operator=(const file_span&) = delete;

  int fd() const { return fd_; }
  uint64_t offset() const { return offset_; }
  uint64_t length() const { return length_; }

  /// The bytes, read into memory (for writers that must see them); throws
  /// `std::runtime_error` when the file is shorter than the span.
  std::string read() const;

 private:
  int fd_;
  uint64_t offset_;
  uint64_t length_;
};

/// Archive output or entry data: bytes, or a file span.
struct piece {
  std::string bytes;
  std::shared_ptr<const file_span> file;

  size_t size() const {
    return file ? static_cast<size_t>(file->length()) : bytes.size();
  }
};

} // namespace moss
