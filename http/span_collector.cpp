#include "http/span_collector.hpp"

#include "core/log.hpp"
#include "http/client.hpp"
#include "http/file_send.hpp"

#include <fcntl.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace moss::http {

namespace {

/// Largest response head accepted from a holder.
constexpr size_t max_head_bytes = 16 * 1024;
/// Pipe capacity asked for (the default limit for unprivileged processes).
constexpr int pipe_bytes = 1 << 20;

/// The value of header `name` in `head` (empty: absent).
std::string header_value(const std::string& head, const char* name) {
  auto len = std::strlen(name);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    auto line = pos + 2;
    auto end = head.find("\r\n", line);
    if (end == std::string::npos)
      break;
    if (end - line > len && head[line + len] == ':'
        && ::strncasecmp(head.c_str() + line, name, len) == 0) {
      auto v = head.substr(line + len + 1, end - line - len - 1);
      auto first = v.find_first_not_of(" \t");
      return first == std::string::npos ? std::string{} : v.substr(first);
    }
    pos = end;
  }
  return {};
}

} // namespace

span_collector::span_collector(int read_timeout_ms, int write_timeout_ms,
                               bool zero_copy)
    : read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms),
      zero_copy_(zero_copy) {
  // nop
}

span_collector::~span_collector() {
  for (auto& [address, l] : links_)
    drop(l);
  if (pipe_[0] >= 0) {
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
}

bool span_collector::connect(link& l, const std::string& address,
                             std::string& why) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    why = "no port in \"" + address + "\"";
    return false;
  }
  l.fd = connect_to(address.substr(0, colon), address.substr(colon + 1),
                    std::chrono::milliseconds{read_timeout_ms_}, why);
  return l.fd >= 0;
}

void span_collector::drop(link& l) {
  if (l.fd >= 0)
    ::close(l.fd);
  l.fd = -1;
  l.leftover.clear();
  l.requested.clear();
}

bool span_collector::handed_over(const peer_span& span) {
  if (span.handoff.empty())
    return false;
  auto it = handoffs_.find(span.handoff);
  if (it == handoffs_.end()) {
    auto found = span_handoff_link::connect(span.handoff, read_timeout_ms_);
    if (!found && found.error().code != ec::not_found)
      log::warn("spans from ", span.address,
                " come over HTTP: ", found.error().message);
    // Not found: the holder is on another host.
    it = handoffs_
             .emplace(span.handoff, found ? std::make_unique<span_handoff_link>(
                                        std::move(*found))
                                          : nullptr)
             .first;
  }
  return it->second != nullptr;
}

bool span_collector::request(const peer_span& span, std::string& why) {
  // A span handed over is asked for when its bytes are due: it costs one
  // round trip on this host, and holds a descriptor from then on.
  if (handed_over(span))
    return true;
  auto& l = links_[span.address];
  if (l.fd >= 0 && l.requested.empty()) {
    // Nothing is owed on an idle connection: readable means closed.
    pollfd p{l.fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 0)
      drop(l);
  }
  if (l.fd < 0 && !connect(l, span.address, why)) {
    why = "cannot connect to " + span.address + ": " + why;
    return false;
  }
  auto req = "GET /v1/spans/" + span.token
             + " HTTP/1.1\r\nHost: " + span.address + "\r\n\r\n";
  size_t sent = 0;
  while (sent < req.size()) {
    auto n = ::send(l.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(l.fd, POLLOUT, read_timeout_ms_, why))
        return false;
    } else {
      why = "cannot send to " + span.address + ": " + std::strerror(errno);
      drop(l);
      return false;
    }
  }
  l.requested[span.token] = true;
  return true;
}

long long span_collector::read_head(link& l, std::string& why) {
  size_t end;
  while ((end = l.leftover.find("\r\n\r\n")) == std::string::npos) {
    if (l.leftover.size() > max_head_bytes) {
      why = "a response head over " + std::to_string(max_head_bytes) + " bytes";
      return -1;
    }
    char buf[8192];
    auto n = ::recv(l.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      l.leftover.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      why = "the connection closed before an answer";
      return -1;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(l.fd, POLLIN, read_timeout_ms_, why))
        return -1;
    } else {
      why = std::strerror(errno);
      return -1;
    }
  }
  auto head = l.leftover.substr(0, end + 2);
  l.leftover.erase(0, end + 4);
  int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  auto length = header_value(head, "Content-Length");
  if (length.empty() || length.find_first_not_of("0123456789") != length.npos) {
    why = "an answer without a valid Content-Length (status "
          + std::to_string(status) + ")";
    return -1;
  }
  auto size = std::stoll(length);
  if (status != 200) {
    // The error body (JSON with a message) is small; what arrived of it
    // is enough to tell why.
    why = "status " + std::to_string(status) + ": "
          + l.leftover.substr(
              0, static_cast<size_t>(std::min<long long>(size, 1024)));
    return -1;
  }
  return size;
}

bool span_collector::drain_into(link& l, uint64_t length, int out_fd,
                                std::string& why) {
  auto early
      = static_cast<size_t>(std::min<uint64_t>(l.leftover.size(), length));
  if (!write_fully(out_fd, l.leftover.data(), early, write_timeout_ms_, why))
    return false;
  l.leftover.erase(0, early);
  length -= early;
  if (zero_copy_ && pipe_[0] < 0 && ::pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) == 0)
    ::fcntl(pipe_[1], F_SETPIPE_SZ, pipe_bytes);
  bool spliced = pipe_[0] >= 0;
  if (!spliced && buffer_.size() < copy_buffer_bytes)
    buffer_.resize(copy_buffer_bytes);
  while (length > 0) {
    auto want = static_cast<size_t>(
        std::min<uint64_t>(length, spliced ? pipe_bytes : copy_buffer_bytes));
    ssize_t n;
    if (spliced) {
      // Socket to pipe to destination: the bytes stay in the kernel.
      n = ::splice(l.fd, nullptr, pipe_[1], nullptr, want,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } else {
      n = ::recv(l.fd, buffer_.data(), want, 0);
    }
    if (n == 0) {
      why = "the holder closed the connection " + std::to_string(length)
            + " bytes short";
      return false;
    }
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(l.fd, POLLIN, read_timeout_ms_, why))
          return false;
        continue;
      }
      why = std::string{"cannot read: "} + std::strerror(errno);
      return false;
    }
    length -= static_cast<uint64_t>(n);
    if (!spliced) {
      if (!write_fully(out_fd, buffer_.data(), static_cast<size_t>(n),
                       write_timeout_ms_, why))
        return false;
      continue;
    }
    auto in_pipe = static_cast<size_t>(n);
    while (in_pipe > 0) {
      auto m = ::splice(pipe_[0], nullptr, out_fd, nullptr, in_pipe,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (m > 0) {
        in_pipe -= static_cast<size_t>(m);
      } else if (m < 0 && errno == EINTR) {
        continue;
      } else if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(out_fd, POLLOUT, write_timeout_ms_, why))
          return false;
      } else {
        why = std::string{"cannot write: "}
              + (m == 0 ? "no progress" : std::strerror(errno));
        return false;
      }
    }
  }
  return true;
}

bool span_collector::copy(const peer_span& span, int out_fd, std::string& why) {
  auto asked = links_.find(span.address);
  bool over_http
      = asked != links_.end() && asked->second.requested.count(span.token);
  if (!over_http && handed_over(span)) {
    auto file = handoffs_[span.handoff]->take(span.token);
    if (!file) {
      why = "span from " + span.address + ": " + file.error().message;
      handoffs_[span.handoff] = nullptr;
      return false;
    }
    if ((*file)->length() != span.length) {
      why = "span from " + span.address + ": "
            + std::to_string((*file)->length()) + " bytes for a span of "
            + std::to_string(span.length);
      return false;
    }
    if (!send_file_range(out_fd, (*file)->fd(), (*file)->offset(),
                         (*file)->length(), zero_copy_, buffer_,
                         write_timeout_ms_, why)) {
      why = "span from " + span.address + ": " + why;
      return false;
    }
    return true;
  }
  auto& l = links_[span.address];
  if (!l.requested.count(span.token) && !request(span, why))
    return false;
  auto ok = [&] {
    auto size = read_head(l, why);
    if (size < 0)
      return false;
    if (static_cast<uint64_t>(size) != span.length) {
      why = std::to_string(size) + " bytes for a span of "
            + std::to_string(span.length);
      return false;
    }
    return drain_into(l, span.length, out_fd, why);
  }();
  if (!ok) {
    why = "span from " + span.address + ": " + why;
    drop(l);
    // Bytes may be stuck in the pipe: a fresh one for the next span.
    if (pipe_[0] >= 0) {
      ::close(pipe_[0]);
      ::close(pipe_[1]);
      pipe_[0] = pipe_[1] = -1;
    }
    return false;
  }
  l.requested.erase(span.token);
  return true;
}

} // namespace moss::http
