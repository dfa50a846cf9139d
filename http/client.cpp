#include "http/client.hpp"

#include "core/object_store.hpp"
#include "http/timed_socket.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <map>
#include <vector>

namespace moss::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string client_response::header(const std::string& name) const {
  for (auto& h : headers)
    if (beast::iequals(h.name, name))
      return h.value;
  return {};
}

int connect_to(const std::string& host, const std::string& port,
               std::chrono::milliseconds timeout, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    why = ::gai_strerror(rc);
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  // Headers and body go out in separate writes: without this, Nagle's
  // algorithm and the peer's delayed ACK stall every request by 40 ms.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    why = "connect timed out";
    ::close(fd);
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    why = std::strerror(err);
    ::close(fd);
    return -1;
  }
  return fd;
}

expected<client_response> request(const std::string& method,
                                  const std::string& url,
                                  const std::string& body,
                                  const header_list& headers,
                                  std::chrono::milliseconds timeout) {
  if (url.rfind("http://", 0) != 0)
    return make_error(ec::invalid_argument, "only http:// URLs: " + url);
  auto rest = url.substr(7);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  auto host = authority.substr(0, colon);
  auto port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  std::string why;
  int fd = connect_to(host, port, timeout, why);
  if (fd < 0)
    return make_error(ec::unavailable,
                      "cannot connect to " + authority + ": " + why);
  auto ms = static_cast<int>(timeout.count());
  timed_socket sock{fd, ms, ms};
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target,
                                         11};
  req.set(bhttp::field::host, authority);
  for (auto& h : headers)
    req.set(h.name, h.value);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(false);
  error_code err;
  bhttp::write(sock, req, err);
  client_response result;
  if (!err) {
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 32);
    parser.skip(method == "HEAD");
    bhttp::read(sock, buf, parser, err);
    if (!err) {
      auto& res = parser.get();
      result.status = static_cast<int>(res.result_int());
      for (auto& f : res)
        result.headers.push_back(
            {std::string{f.name_string()}, std::string{f.value()}});
      result.body = std::move(res.body());
    }
  }
  ::close(fd);
  if (err)
    return make_error(ec::unavailable,
                      method + " " + url + ": " + err.message());
  return result;
}

namespace {

struct url_parts {
  std::string authority;
  std::string host;
  std::string port;
  std::string target;
};

expected<url_parts> split_url(const std::string& url) {
  if (url.rfind("http://", 0) != 0)
    return make_error(ec::invalid_argument, "only http:// URLs: " + url);
  auto rest = url.substr(7);
  auto slash = rest.find('/');
  url_parts u;
  u.authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = u.authority.rfind(':');
  u.host = u.authority.substr(0, colon);
  u.port = colon == std::string::npos ? "80" : u.authority.substr(colon + 1);
  return u;
}

/// Largest error body a session keeps.
constexpr size_t max_error_body = 1 << 20;

} // namespace

struct session::impl {
  std::chrono::milliseconds timeout;
  /// Idle kept-alive connections by host:port.
  std::map<std::string, int> idle;

  ~impl() {
    for (auto& [authority, fd] : idle)
      ::close(fd);
  }

  int take(const url_parts& u, bool& reused, std::string& why) {
    if (auto it = idle.find(u.authority); it != idle.end()) {
      int fd = it->second;
      idle.erase(it);
      reused = true;
      return fd;
    }
    reused = false;
    return connect_to(u.host, u.port, timeout, why);
  }

  /// One exchange on one connection; `sent_any` tells a stale kept-alive
  /// connection (nothing came back) from a real failure.
  expected<client_response>
  once(int fd, const url_parts& u, const std::string& method,
       const body_source& body, const header_list& headers,
       const body_sink& sink, bool& keep, bool& got_any) {
    auto ms = static_cast<int>(timeout.count());
    timed_socket sock{fd, ms, ms};
    bhttp::request<bhttp::buffer_body> req{bhttp::string_to_verb(method),
                                           u.target, 11};
    req.set(bhttp::field::host, u.authority);
    for (auto& h : headers)
      req.set(h.name, h.value);
    if (body.size > 0 || method == "PUT" || method == "POST")
      req.content_length(body.size);
    req.keep_alive(true);
    req.body().data = nullptr;
    req.body().more = body.size > 0;
    bhttp::request_serializer<bhttp::buffer_body> sr{req};
    error_code err;
    bhttp::write_header(sock, sr, err);
    std::vector<char> chunk;
    uint64_t offset = 0;
    while (!err && offset < body.size) {
      auto n = static_cast<size_t>(
          std::min<uint64_t>(body.size - offset, uint64_t{1} << 20));
      const char* data = nullptr;
      if (body.fd >= 0) {
        chunk.resize(n);
        if (!pread_all(body.fd, chunk.data(), n, offset))
          return make_error(ec::io_error, std::string{"cannot read the body: "}
                                              + std::strerror(errno));
        data = chunk.data();
      } else {
        data = body.data.data() + offset;
      }
      offset += n;
      req.body().data = const_cast<char*>(data);
      req.body().size = n;
      req.body().more = offset < body.size;
      bhttp::write(sock, sr, err);
      if (err == bhttp::error::need_buffer)
        err = {};
    }
    if (err)
      return make_error(ec::unavailable, method + " " + u.authority + u.target
                                             + ": " + err.message());
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::buffer_body> parser;
    // Not boost::none: Beast 1.74 compares a content length with an empty
    // limit as "too large".
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.skip(method == "HEAD");
    bhttp::read_header(sock, buf, parser, err);
    if (err)
      return make_error(ec::unavailable, method + " " + u.authority + u.target
                                             + ": " + err.message());
    got_any = true;
    client_response result;
    auto& res = parser.get();
    result.status = static_cast<int>(res.result_int());
    for (auto& f : res)
      result.headers.push_back(
          {std::string{f.name_string()}, std::string{f.value()}});
    bool to_sink = sink && result.status / 100 == 2;
    std::vector<char> piece(1 << 16);
    while (!parser.is_done()) {
      res.body().data = piece.data();
      res.body().size = piece.size();
      bhttp::read(sock, buf, parser, err);
      if (err == bhttp::error::need_buffer)
        err = {};
      if (err)
        return make_error(ec::unavailable,
                          method + " " + u.authority + u.target
                              + ": the response broke off: " + err.message());
      auto n = piece.size() - res.body().size;
      if (to_sink) {
        if (n > 0)
          if (auto r = sink(piece.data(), n); !r)
            return r.error();
      } else if (result.body.size() < max_error_body) {
        result.body.append(piece.data(), n);
      }
    }
    keep = parser.keep_alive();
    return result;
  }
};

session::session(std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->timeout = timeout;
}

session::~session() = default;

void session::add_default_header(header_field field) {
  defaults_.push_back(std::move(field));
}

expected<client_response> session::request(const std::string& method,
                                           const std::string& url,
                                           const body_source& body,
                                           const header_list& headers,
                                           const body_sink& sink) {
  header_list all = defaults_;
  all.insert(all.end(), headers.begin(), headers.end());
  auto where = url;
  for (int hop = 0; hop <= 5; ++hop) {
    auto u = split_url(where);
    if (!u)
      return u.error();
    expected<client_response> result{make_error(ec::internal, "not sent")};
    // A kept-alive connection the server closed meanwhile fails before any
    // answer: try once more on a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = false;
      std::string why;
      int fd = impl_->take(*u, reused, why);
      if (fd < 0)
        return make_error(ec::unavailable,
                          "cannot connect to " + u->authority + ": " + why);
      bool keep = false;
      bool got_any = false;
      result = impl_->once(fd, *u, method, body, all, sink, keep, got_any);
      if (result && keep)
        impl_->idle[u->authority] = fd;
      else
        ::close(fd);
      if (result || got_any || !reused)
        break;
    }
    if (!result)
      return result;
    if (result->status != 307 && result->status != 308)
      return result;
    where = result->header("Location");
    if (where.empty())
      return make_error(ec::unavailable,
                        "a redirect without a Location from " + u->authority);
  }
  return make_error(ec::unavailable, "too many redirects for " + url);
}

} // namespace moss::http
