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

/// A file span that another target of the cluster holds for this node
/// (see `span_registry`): the HTTP side collects its bytes from that node's
/// HTTP port (`GET /v1/spans/<token>`) while it writes them to the client, so
/// large remote entries bypass the actor messaging between nodes.
struct peer_span {
  /// `host:port` of the holder's HTTP API.
  std::string address;
  std::string token;
  uint64_t length = 0;
  /// The holder's handoff socket (see `span_handoff_server`): on the same
  /// host the span comes as an open descriptor instead (empty: HTTP only).
  std::string handoff;
};

/// Archive output or entry data: bytes, a file span, or a peer span.
struct piece {
  std::string bytes;
  std::shared_ptr<const file_span> file;
  std::shared_ptr<const peer_span> peer;

  size_t size() const {
    if (file)
      return static_cast<size_t>(file->length());
    if (peer)
      return static_cast<size_t>(peer->length);
    return bytes.size();
  }
};

} // namespace moss
