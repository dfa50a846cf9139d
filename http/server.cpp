#include "http/server.hpp"

#include "core/json.hpp"
#include "core/log.hpp"
#include "http/span_collector.hpp"
#include "http/timed_socket.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace moss::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

using request_parser = bhttp::request_parser<bhttp::buffer_body>;

class beast_exchange final : public exchange {
 public:
  beast_exchange(timed_socket& sock, beast::flat_buffer& buf,
                 request_parser& parser, std::string remote,
                 uint64_t max_drain_bytes)
      : sock_(sock), buf_(buf), parser_(parser), remote_(std::move(remote)),
        max_drain_bytes_(max_drain_bytes) {
    auto& req = parser_.get();
    method_ = std::string{req.method_string()};
    target_ = std::string{req.target()};
    keep_alive_ = req.keep_alive();
  }

  const std::string& method() const override { return method_; }

  const std::string& target() const override { return target_; }

  std::string header(std::string_view name) const override {
    auto& req = parser_.get();
    auto it = req.find(beast::string_view{name.data(), name.size()});
    return it == req.end() ? std::string{} : std::string{it->value()};
  }

  std::optional<uint64_t> content_length() const override {
    auto len = parser_.content_length();
    if (len)
      return *len;
    return std::nullopt;
  }

  bool has_body() const override {
    if (parser_.chunked())
      return true;
    auto len = content_length();
    return len && *len > 0;
  }

  expected<std::string> read_body(uint64_t limit) override {
    std::string body;
    if (auto len = content_length(); len && *len <= limit)
      body.reserve(*len);
    auto r = read_body(limit, [&](const char* data, size_t size) {
      body.append(data, size);
      return expected<void>{};
    });
    if (!r)
      return r.error();
    return body;
  }

  expected<void> read_body(uint64_t limit, const body_sink& sink) override {
    if (auto len = content_length(); len && *len > limit) {
      closing_ = true;
      return make_error(ec::too_large, "request body of " + std::to_string(*len)
                                           + " bytes exceeds the limit of "
                                           + std::to_string(limit) + " bytes");
    }
    send_continue();
    thread_local std::vector<char> chunk(256 * 1024);
    uint64_t total = 0;
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = chunk.data();
      body.size = chunk.size();
      error_code err;
      bhttp::read(sock_, buf_, parser_, err);
      if (err == bhttp::error::need_buffer)
        err = {};
      auto n = chunk.size() - body.size;
      if (err) {
        closing_ = true;
        // The client's fault, not the server's: a 400 that says how far it
        // got (if anyone still listens).
        auto got = " after " + std::to_string(total + n) + " bytes";
        if (auto len = content_length())
          got += " of the " + std::to_string(*len) + " announced";
        if (err == asio::error::timed_out)
          return make_error(ec::invalid_argument,
                            "request body incomplete: no data within the "
                            "read timeout"
                                + got);
        if (err == asio::error::eof || err == bhttp::error::partial_message
            || err == asio::error::connection_reset)
          return make_error(ec::invalid_argument,
                            "request body incomplete: the connection ended"
                                + got);
        return make_error(ec::invalid_argument,
                          "malformed request body: " + err.message());
      }
      total += n;
      if (total > limit) {
        closing_ = true;
        return make_error(ec::too_large, "request body exceeds the limit of "
                                             + std::to_string(limit)
                                             + " bytes");
      }
      if (n > 0)
        if (auto r = sink(chunk.data(), n); !r) {
          closing_ = true;
          return r;
        }
    }
    return {};
  }

  std::string remote_address() const override { return remote_; }

  void respond(int status, const header_list& headers,
               std::string_view body) override {
    prepare_to_respond();
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status),
                                            11};
    bool explicit_length = false;
    for (auto& h : headers) {
      res.set(h.name, h.value);
      if (beast::iequals(h.name, "Content-Length"))
        explicit_length = true;
    }
    res.set(bhttp::field::server, "moss");
    responded_ = true;
    status_ = status;
    error_code err;
    if (method_ == "HEAD") {
      if (!explicit_length)
        res.content_length(body.size());
      res.keep_alive(keep_alive());
      bhttp::response_serializer<bhttp::string_body> sr{res};
      bhttp::write_header(sock_, sr, err);
    } else {
      res.body() = std::string{body};
      if (!explicit_length)
        res.prepare_payload();
      res.keep_alive(keep_alive());
      bhttp::write(sock_, res, err);
    }
    if (err)
      closing_ = true;
  }

  bool respond_file(int status, const header_list& headers, int fd,
                    uint64_t offset, uint64_t length, std::string_view prefix,
                    std::string_view suffix) override {
    auto total = prefix.size() + length + suffix.size();
    if (!write_head(status, headers, total, false))
      return false;
    if (method_ == "HEAD" || total == 0)
      return true;
    bool ok
        = (prefix.empty()
           || sock_.write_all({asio::buffer(prefix.data(), prefix.size())}))
          && (length == 0 || sock_.send_file(fd, offset, length))
          && (suffix.empty()
              || sock_.write_all({asio::buffer(suffix.data(), suffix.size())}));
    if (!ok)
      abort();
    return ok;
  }

  bool begin_chunked(int status, const header_list& headers) override {
    return write_head(status, headers, 0, true);
  }

  bool write_chunk(const char* data, size_t size) override {
    if (closing_ && aborted_)
      return false;
    if (size == 0)
      return true;
    char head[24];
    int len = std::snprintf(head, sizeof(head), "%zx\r\n", size);
    if (!sock_.write_all({asio::buffer(head, static_cast<size_t>(len)),
                          asio::buffer(data, size), asio::buffer("\r\n", 2)})) {
      abort();
      return false;
    }
    return true;
  }

  bool write_chunk(const std::vector<piece>& parts) override {
    if (closing_ && aborted_)
      return false;
    size_t size = 0;
    for (auto& p : parts)
      size += p.size();
    if (size == 0)
      return true;
    char head[24];
    int len = std::snprintf(head, sizeof(head), "%zx\r\n", size);
    std::string why;
    // Every peer span of the chunk is asked for before the first is read,
    // so that its holder is already sending while earlier parts go out.
    for (auto& p : parts)
      if (p.peer && !collector().request(*p.peer, why))
        return give_up(why);
    // Bytes go out in gathered writes, file spans by sendfile in between,
    // peer spans spliced from their holder's connection.
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(parts.size() + 2);
    bufs.push_back(asio::buffer(head, static_cast<size_t>(len)));
    for (auto& p : parts) {
      if (p.file) {
        if (!sock_.write_all(bufs)
            || !sock_.send_file(p.file->fd(), p.file->offset(),
                                p.file->length())) {
          abort();
          return false;
        }
        bufs.clear();
      } else if (p.peer) {
        if (!sock_.write_all(bufs))
          return give_up("the client went away");
        if (!collector().copy(*p.peer, sock_.fd(), why))
          return give_up(why);
        bufs.clear();
      } else if (!p.bytes.empty()) {
        bufs.push_back(asio::buffer(p.bytes.data(), p.bytes.size()));
      }
    }
    bufs.push_back(asio::buffer("\r\n", 2));
    if (!sock_.write_all(bufs)) {
      abort();
      return false;
    }
    return true;
  }

  bool end_chunked() override {
    if (aborted_)
      return false;
    if (!sock_.write_all({asio::buffer("0\r\n\r\n", 5)})) {
      abort();
      return false;
    }
    return true;
  }

  void abort() override {
    closing_ = true;
    aborted_ = true;
    ::shutdown(sock_.fd(), SHUT_RDWR);
  }

  bool responded() const override { return responded_; }

  int status() const override { return status_; }

  bool keep_alive() const { return keep_alive_ && !closing_; }

 private:
  span_collector& collector() {
    if (!spans_)
      spans_ = std::make_unique<span_collector>(
          sock_.read_timeout_ms(), sock_.write_timeout_ms(), sock_.zero_copy());
    return *spans_;
  }

  /// Ends a streamed response that cannot be completed: cut, so the client
  /// sees a failed transfer rather than a short archive.
  bool give_up(const std::string& why) {
    log::warn(method_, " ", target_, ": response cut: ", why);
    abort();
    return false;
  }

  void send_continue() {
    if (continue_sent_)
      return;
    continue_sent_ = true;
    if (beast::iequals(header("Expect"), "100-continue"))
      sock_.write_all({asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25)});
  }

  /// Reads what the handler left of the body, or gives up on the connection.
  void prepare_to_respond() {
    if (parser_.is_done() || closing_)
      return;
    auto len = content_length();
    bool small = len && *len <= max_drain_bytes_;
    bool waits_for_continue
        = !continue_sent_ && beast::iequals(header("Expect"), "100-continue");
    if (!small || waits_for_continue) {
      closing_ = true;
      return;
    }
    auto r = read_body(max_drain_bytes_, [](const char*, size_t) {
      return expected<void>{};
    });
    if (!r)
      closing_ = true;
  }

  bool write_head(int status, const header_list& headers, uint64_t length,
                  bool chunked) {
    prepare_to_respond();
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status),
                                           11};
    for (auto& h : headers)
      res.set(h.name, h.value);
    res.set(bhttp::field::server, "moss");
    if (chunked)
      res.chunked(true);
    else
      res.content_length(length);
    res.keep_alive(keep_alive());
    responded_ = true;
    status_ = status;
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    error_code err;
    bhttp::write_header(sock_, sr, err);
    if (err) {
      abort();
      return false;
    }
    return true;
  }

  timed_socket& sock_;
  beast::flat_buffer& buf_;
  request_parser& parser_;
  std::string remote_;
  std::string method_;
  std::string target_;
  bool keep_alive_ = true;
  bool closing_ = false;
  bool aborted_ = false;
  bool responded_ = false;
  bool continue_sent_ = false;
  /// Collects peer spans for a batch response (on first use).
  std::unique_ptr<span_collector> spans_;
  uint64_t max_drain_bytes_;
  int status_ = 0;
};

void write_raw_error(timed_socket& sock, int status, const char* reason,
                     const std::string& message) {
  auto body = error_json(status, message);
  auto head = "HTTP/1.1 " + std::to_string(status) + " " + reason
              + "\r\nContent-Type: application/json\r\nContent-Length: "
              + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  sock.write_all({asio::buffer(head), asio::buffer(body)});
}

void serve_connection(int fd, std::string remote, bool zero_copy,
                      const server_options& opts, const handler& handle) {
  timed_socket sock{fd, static_cast<int>(opts.read_timeout.count()),
                    static_cast<int>(opts.write_timeout.count()), zero_copy};
  beast::flat_buffer buf;
  // Beast reads as much as the buffer has room for, and at least 512
  // bytes: a request body of some 30 KB would take 60 reads.
  buf.reserve(64 * 1024);
  for (;;) {
    if (buf.size() == 0) {
      error_code ec;
      if (!sock.wait(POLLIN, static_cast<int>(opts.idle_timeout.count()), ec))
        break;
    }
    request_parser parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    error_code err;
    bhttp::read_header(sock, buf, parser, err);
    if (err) {
      if (err == bhttp::error::header_limit)
        write_raw_error(sock, 431, "Request Header Fields Too Large",
                        "request line and headers exceed 64 KiB");
      else if (err != asio::error::eof && err != bhttp::error::end_of_stream
               && err != asio::error::timed_out
               && err != bhttp::error::partial_message
               && err != asio::error::connection_reset)
        write_raw_error(sock, 400, "Bad Request",
                        "malformed HTTP request: " + err.message());
      break;
    }
    beast_exchange ex{sock, buf, parser, remote, opts.max_drain_bytes};
    try {
      handle(ex);
    } catch (const std::exception& e) {
      log::error("handler failed on ", ex.method(), " ", ex.target(), ": ",
                 e.what());
      if (!ex.responded())
        ex.respond(500, {{"Content-Type", "application/json"}},
                   error_json(500, std::string{"internal error: "} + e.what()));
      else
        ex.abort();
    }
    if (!ex.responded())
      ex.respond(500, {{"Content-Type", "application/json"}},
                 error_json(500, "handler sent no response"));
    if (!ex.keep_alive())
      break;
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

} // namespace

server::server(server_options options)
    : options_(options), active_(std::make_shared<std::atomic<size_t>>(0)) {
  // nop
}

server::~server() {
  stop();
}

expected<uint16_t> server::listen(const std::string& host, uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    return make_error(ec::io_error,
                      std::string{"socket: "} + std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return make_error(ec::invalid_argument, "invalid IPv4 address " + host);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(listen_fd_, 1024) != 0)
    return make_error(ec::io_error, "cannot listen on " + host + ":"
                                        + std::to_string(port) + ": "
                                        + std::strerror(errno));
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

void server::serve(handler h) {
  auto shared_handler = std::make_shared<handler>(std::move(h));
  acceptor_.start(std::exchange(listen_fd_, -1), SOCK_NONBLOCK,
                  [this, shared_handler](int fd, const sockaddr_storage& from) {
                    accept_connection(
                        fd, reinterpret_cast<const sockaddr_in&>(from),
                        shared_handler);
                  });
}

void server::stop() {
  acceptor_.stop();
  // Listening, but never served.
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  listen_fd_ = -1;
}

void server::accept_connection(int fd, const sockaddr_in& peer,
                               const std::shared_ptr<handler>& handle) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char ip[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
  auto remote = std::string{ip} + ":" + std::to_string(ntohs(peer.sin_port));
  if (active_->load() >= options_.max_connections) {
    timed_socket sock{fd, 1000, 1000};
    write_raw_error(sock, 503, "Service Unavailable",
                    "too many open connections");
    ::close(fd);
    return;
  }
  // 127.0.0.0/8
  bool loopback = (ntohl(peer.sin_addr.s_addr) >> 24) == 127;
  bool zero_copy
      = options_.zero_copy && (!loopback || options_.loopback_zero_copy);
  ++*active_;
  threads_.run([fd, remote = std::move(remote), zero_copy, opts = options_,
                handle, active = active_] {
    serve_connection(fd, remote, zero_copy, opts, *handle);
    --*active;
  });
}

} // namespace moss::http
