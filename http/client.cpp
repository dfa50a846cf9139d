#include "http/client.hpp"

#include "http/timed_socket.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <cstring>

namespace moss::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string client_response::header(const std::string& name) const {
  for (auto& h : headers)
    if (beast::iequals(h.name, name))
      return h.value;
  return {};
}

namespace {

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

} // namespace

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

} // namespace moss::http
