#include "http/file_send.hpp"

#include <poll.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace moss::http {

int poll_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r >= 0 || errno != EINTR)
      return r;
  }
}

bool wait_for(int fd, short events, int timeout_ms, std::string& why) {
  int r = poll_for(fd, events, timeout_ms);
  if (r > 0)
    return true;
  why = r == 0 ? "timed out after " + std::to_string(timeout_ms) + " ms"
               : std::string{std::strerror(errno)};
  return false;
}

bool write_fully(int fd, const char* data, size_t size, int timeout_ms,
                 std::string& why) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, timeout_ms, why))
        return false;
    } else {
      why = std::string{"cannot write: "} + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool send_file_range(int out_fd, int file_fd, uint64_t offset, uint64_t length,
                     bool zero_copy, std::vector<char>& buffer, int timeout_ms,
                     std::string& why) {
  auto off = static_cast<off_t>(offset);
  if (!zero_copy
      && buffer.size() < std::min<uint64_t>(length, copy_buffer_bytes))
    buffer.resize(
        static_cast<size_t>(std::min<uint64_t>(length, copy_buffer_bytes)));
  while (length > 0) {
    auto want = static_cast<size_t>(
        std::min<uint64_t>(length, zero_copy ? 1u << 30 : buffer.size()));
    auto n = zero_copy ? ::sendfile(out_fd, file_fd, &off, want)
                       : ::pread(file_fd, buffer.data(), want, off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && zero_copy && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(out_fd, POLLOUT, timeout_ms, why))
        return false;
      continue;
    }
    if (n <= 0) {
      why = n == 0 ? std::string{"the file is shorter than promised"}
                   : std::string{"cannot send: "} + std::strerror(errno);
      return false;
    }
    if (!zero_copy) {
      if (!write_fully(out_fd, buffer.data(), static_cast<size_t>(n),
                       timeout_ms, why))
        return false;
      off += n;
    }
    length -= static_cast<uint64_t>(n);
  }
  return true;
}

} // namespace moss::http
