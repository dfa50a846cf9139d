#pragma once

// Only for translation units that already include Beast.

#include "http/file_send.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <string>
#include <vector>

namespace moss::http {

namespace asio = boost::asio;
using boost::system::error_code;

/// A non-blocking socket whose blocking-style operations give up after a
/// timeout. It models Beast's SyncReadStream and SyncWriteStream.
class timed_socket {
 public:
  /// @param zero_copy whether `send_file` may use sendfile(2).
  timed_socket(int fd, int read_timeout_ms, int write_timeout_ms,
               bool zero_copy = true)
      : fd_(fd), read_ms_(read_timeout_ms), write_ms_(write_timeout_ms),
        zero_copy_(zero_copy) {
    // nop
  }

  int fd() const { return fd_; }

  bool zero_copy() const { return zero_copy_; }

  int read_timeout_ms() const { return read_ms_; }
  int write_timeout_ms() const { return write_ms_; }

  /// Waits for `events`; false (and `ec` set) on timeout or error.
  bool wait(short events, int timeout_ms, error_code& ec) {
    int r = poll_for(fd_, events, timeout_ms);
    if (r > 0)
      return true;
    ec = r == 0 ? error_code{asio::error::timed_out}
                : error_code{errno, boost::system::system_category()};
    return false;
  }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    ec = {};
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers); ++it) {
      asio::mutable_buffer b = *it;
      if (b.size() == 0)
        continue;
      for (;;) {
        auto n = ::recv(fd_, b.data(), b.size(), 0);
        if (n > 0)
          return static_cast<size_t>(n);
        if (n == 0) {
          ec = asio::error::eof;
          return 0;
        }
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (!wait(POLLIN, read_ms_, ec))
            return 0;
          continue;
        }
        ec = error_code{errno, boost::system::system_category()};
        return 0;
      }
    }
    return 0;
  }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    error_code ec;
    auto n = read_some(buffers, ec);
    if (ec)
      throw boost::system::system_error{ec};
    return n;
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    ec = {};
    iovec iov[64];
    int count = 0;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && count < 64; ++it) {
      asio::const_buffer b = *it;
      if (b.size() == 0)
        continue;
      iov[count].iov_base = const_cast<void*>(b.data());
      iov[count].iov_len = b.size();
      ++count;
    }
    if (count == 0)
      return 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    for (;;) {
      auto n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n >= 0)
        return static_cast<size_t>(n);
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait(POLLOUT, write_ms_, ec))
          return 0;
        continue;
      }
      ec = error_code{errno, boost::system::system_category()};
      return 0;
    }
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    auto n = write_some(buffers, ec);
    if (ec)
      throw boost::system::system_error{ec};
    return n;
  }

  bool write_all(std::initializer_list<asio::const_buffer> parts) {
    return write_all(std::vector<asio::const_buffer>{parts});
  }

  bool write_all(const std::vector<asio::const_buffer>& parts) {
    error_code ec;
    asio::write(*this, parts, ec);
    return !ec;
  }

  /// Sends `length` bytes of `file_fd` from `offset`: by sendfile, or
  /// through a small buffer that stays in the CPU caches.
  bool send_file(int file_fd, uint64_t offset, uint64_t length) {
    // Per connection thread, grown once to what its files need.
    thread_local std::vector<char> buffer;
    std::string why;
    return send_file_range(fd_, file_fd, offset, length, zero_copy_, buffer,
                           write_ms_, why);
  }

 private:
  int fd_;
  int read_ms_;
  int write_ms_;
  bool zero_copy_;
};

} // namespace moss::http
