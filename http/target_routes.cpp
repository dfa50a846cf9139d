#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/names.hpp"
#include "core/sign.hpp"
#include "http/admin_routes.hpp"
#include "http/batch_routes.hpp"
#include "http/client.hpp"
#include "http/common_routes.hpp"
#include "http/list_encoding.hpp"
#include "http/rebalance.hpp"
#include "http/routes.hpp"
#include "http/status.hpp"

namespace moss::http {

namespace {

header_list object_headers(const object_meta& meta) {
  return {
      {"Ais-Size", std::to_string(meta.size)},
      {"Ais-Atime", std::to_string(meta.mtime_ns)},
      {"Ais-Checksum-Type", "xxhash64"},
      {"Ais-Checksum-Value", checksum_hex(meta.checksum)},
      {"Ais-Version", std::to_string(meta.version)},
      {"Last-Modified", format_http_date(meta.mtime_ns)},
      {"Accept-Ranges", "bytes"},
  };
}

struct byte_range {
  uint64_t offset;
  uint64_t length;
};

/// Parses a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range.
expected<byte_range> parse_range(const std::string& header, uint64_t size) {
  auto bad = make_error(ec::range_not_satisfiable,
                        "range \"" + header + "\" is not satisfiable for "
                            + std::to_string(size) + " bytes");
  if (header.rfind("bytes=", 0) != 0 || header.find(',') != std::string::npos)
    return make_error(ec::invalid_argument,
                      "unsupported Range \"" + header
                          + "\" (one bytes=first-last range)");
  auto spec = header.substr(6);
  auto dash = spec.find('-');
  if (dash == std::string::npos)
    return bad;
  auto first = spec.substr(0, dash);
  auto last = spec.substr(dash + 1);
  try {
    if (first.empty()) {
      auto n = std::stoull(last);
      if (n == 0 || size == 0)
        return bad;
      n = std::min<uint64_t>(n, size);
      return byte_range{size - n, n};
    }
    auto a = std::stoull(first);
    if (a >= size)
      return bad;
    uint64_t b = last.empty() ? size - 1 : uint64_t{std::stoull(last)};
    if (b < a)
      return bad;
    b = std::min<uint64_t>(b, size - 1);
    return byte_range{a, b - a + 1};
  } catch (...) {
    return bad;
  }
}

/// `?moss_local=1`: serve this target's own copy, whoever owns the object
/// (how an owner hands a client to the target that still holds it).
constexpr const char* local_param = "moss_local";

class target_routes {
 public:
  explicit target_routes(target_context ctx) : ctx_(std::move(ctx)) {
    // nop
  }

  void operator()(exchange& ex) {
    auto target = parse_target(ex.target());
    if (!target)
      return reply_error(ex, target.error());
    if (ctx_.gate != nullptr)
      if (auto allowed = ctx_.gate->check_route(ex, *target); !allowed)
        return reply_denied(ex, allowed.error());
    auto& seg = target->segments;
    if (seg.size() == 1 && seg[0] == "metrics")
      return ex.respond(200, {{"Content-Type", "text/plain; version=0.0.4"}},
                        metrics::render());
    if (seg.size() < 2 || seg[0] != "v1")
      return reply_error(ex, 404, "no such endpoint: " + ex.target());
    if (seg.size() == 2 && seg[1] == "daemon"
        && target->param("what") == "getbatch") {
      json_writer w;
      w.begin_object();
      w.key("active_work_items")
          .integer(static_cast<int64_t>(ctx_.batches->active()));
      w.key("shard_scans")
          .integer(static_cast<int64_t>(ctx_.batches->shard_scans()));
      w.end_object();
      return reply_json(ex, w.str());
    }
    if (seg.size() == 3 && seg[1] == "console" && seg[2] == "node")
      return serve_node_console(ex, ctx_);
    if (seg.size() == 2 && seg[1] == "rebalance" && ctx_.rebalance)
      return serve_rebalance(ex);
    if (seg.size() == 3 && seg[1] == "spans" && ctx_.spans)
      return serve_span(ex, seg[2]);
    if (serve_common(ex, *target, *ctx_.view))
      return;
    if (seg[1] == "objects")
      return serve_object(ex, *target);
    if (seg[1] == "ml" && seg.size() >= 3)
      return serve_batch_on_target(ex, *target, ctx_);
    if (seg[1] == "buckets") {
      // Bucket metadata lives on the proxy.
      auto proxy_url = ctx_.view->current()->proxy.http_url;
      if (proxy_url.empty())
        return reply_error(ex, 503, "this target has not joined a cluster");
      std::string path = ex.target().substr(0, ex.target().find('?'));
      return redirect(ex, proxy_url, path, target->raw_query);
    }
    reply_error(ex, 404, "no such endpoint: " + ex.target());
  }

 private:
  /// Hands a span registered for another node's work item over, once.
  void serve_span(exchange& ex, const std::string& token) {
    if (ex.method() != "GET")
      return reply_error(ex, 405,
                         "spans are collected with GET, not " + ex.method());
    auto span = ctx_.spans->take(token);
    if (!span)
      return reply_error(ex, 404,
                         "no span " + token
                             + " on this target: collected already "
                               "or expired");
    ex.respond_file(200, {{"Content-Type", "application/octet-stream"}},
                    span->fd(), span->offset(), span->length(), {}, {});
  }

  void serve_object(exchange& ex, const request_target& target) {
    auto map = ctx_.view->current();
    auto routed = route_object(ex, target, *map);
    if (!routed)
      return reply_error(ex, routed.error());
    auto& method = ex.method();
    auto* addr = &routed->addr;
    auto* owner = routed->owner;
    // A copy another target holds: served as it is, never redirected.
    bool local_only = target.param(local_param) == "1";
    if (local_only && method == "PUT")
      return reply_error(
          ex, 400, std::string{local_param} + "=1 is for GET, HEAD and DELETE");
    if (local_only)
      if (auto ok = check_local(target, scope_of(method), *addr); !ok)
        return reply_error(ex, 403, ok.error().message);
    if (owner->id != ctx_.self_id && !local_only)
      return redirect(ex, owner->http_url,
                      object_path(addr->bucket, addr->object),
                      target.raw_query);
    if (method == "PUT") {
      // Create-only (`If-None-Match: *`), as a rebalance writes: a copy
      // that arrives after a newer client PUT must not replace it.
      if (ex.header("If-None-Match") == "*"
          && ctx_.store->stat(addr->bucket, addr->object))
        return reply_error(ex, 412,
                           display_name(addr->bucket, addr->object)
                               + " exists already (If-None-Match: *)");
      return put_object(ex, *addr);
    }
    if (method == "DELETE") {
      auto removed = ctx_.store->remove(addr->bucket, addr->object);
      if (!removed && removed.error().code != ec::not_found)
        return reply_error(ex, removed.error());
      // Copies a rebalance has not moved yet go too, or it would bring
      // them back.
      if (!local_only && remove_elsewhere(*addr))
        removed = {};
      if (!removed)
        return reply_error(ex, removed.error());
      return ex.respond(200, {}, "");
    }
    get_object(ex, *addr, target);
  }

  static const char* scope_of(const std::string& method) {
    return method == "DELETE" ? "delete" : "read";
  }

  /// What a signature covers: what it allows, on which object, to which
  /// target, until when.
  std::string signed_text(const char* scope, const object_address& addr,
                          const std::string& holder,
                          const std::string& expires) const {
    return std::string{scope} + "\n" + addr.bucket + "\n" + addr.object + "\n"
           + holder + "\n" + expires;
  }

  /// The query that lets target `holder` serve (scope "read") or delete its
  /// own copy of an object it does not own. With a join token it is signed
  /// (HMAC-SHA256) and valid for a minute, so that only cluster nodes can
  /// hand out such a request.
  std::string local_query(const char* scope, const object_address& addr,
                          const std::string& holder) const {
    std::string q = "provider=ais&" + std::string{local_param} + "=1";
    auto& token = ctx_.cfg->middleman.join_token;
    if (token.empty())
      return q;
    auto expires = std::to_string(unix_time_ms() / 1000 + 60);
    return q + "&moss_exp=" + expires + "&moss_sig="
           + hmac_sha256_hex(token, signed_text(scope, addr, holder, expires));
  }

  expected<void> check_local(const request_target& target, const char* scope,
                             const object_address& addr) const {
    auto& token = ctx_.cfg->middleman.join_token;
    if (token.empty())
      return {};
    auto refused = make_error(
        ec::invalid_argument,
        std::string{local_param}
            + "=1 needs a valid, current signature from a cluster node");
    auto expires = target.param("moss_exp");
    int64_t until = 0;
    try {
      until = std::stoll(expires);
    } catch (...) {
      return refused;
    }
    if (until < unix_time_ms() / 1000)
      return refused;
    auto want = hmac_sha256_hex(
        token, signed_text(scope, addr, ctx_.self_id, expires));
    if (!same_secret(target.param("moss_sig"), want))
      return refused;
    return {};
  }

  /// The owner lacks the object: after a target joined, it may still sit on
  /// its previous owner until a rebalance moves it there.
  bool redirect_to_holder(exchange& ex, const object_address& addr,
                          const request_target& target) {
    auto map = ctx_.view->current();
    auto path = object_path(addr.bucket, addr.object);
    for (auto* tp : map->all_targets()) {
      auto& t = *tp;
      if (t.id == ctx_.self_id)
        continue;
      auto query = local_query("read", addr, t.id);
      auto r = request("HEAD", t.http_url + path + "?" + query, {}, {},
                       std::chrono::seconds(5));
      if (r && r->status == 200) {
        auto extra = target.raw_query.empty() ? "" : "&" + target.raw_query;
        redirect(ex, t.http_url, path, query + extra);
        return true;
      }
    }
    return false;
  }

  /// `POST /v1/rebalance` starts a pass, `GET` reports on it.
  void serve_rebalance(exchange& ex) {
    if (ex.method() == "POST") {
      bool started = ctx_.rebalance->start();
      return reply_json(ex, rebalance_json(ctx_.rebalance->progress()),
                        started ? 202 : 200);
    }
    if (ex.method() != "GET")
      return reply_error(ex, 405, "rebalance takes GET or POST");
    reply_json(ex, rebalance_json(ctx_.rebalance->progress()));
  }

  /// Deletes the copies other targets hold; true if there was one.
  bool remove_elsewhere(const object_address& addr) {
    auto map = ctx_.view->current();
    auto path = object_path(addr.bucket, addr.object) + "?";
    bool any = false;
    for (auto* tp : map->all_targets()) {
      auto& t = *tp;
      if (t.id == ctx_.self_id)
        continue;
      auto r = request("DELETE",
                       t.http_url + path + local_query("delete", addr, t.id),
                       {}, {}, std::chrono::seconds(10));
      if (!r)
        log::warn("cannot delete the copy of ",
                  display_name(addr.bucket, addr.object), " on ", t.id, ": ",
                  r.error().message);
      else if (r->status == 200)
        any = true;
    }
    return any;
  }

  void get_object(exchange& ex, const object_address& addr,
                  const request_target& target) {
    auto obj = ctx_.store->open(addr.bucket, addr.object);
    if (!obj && obj.error().code == ec::not_found
        && target.param(local_param) != "1"
        && redirect_to_holder(ex, addr, target))
      return;
    if (!obj)
      return reply_error(ex, obj.error());
    auto headers = object_headers(obj->meta());
    headers.push_back({"Content-Type", "application/octet-stream"});
    auto range_header = ex.header("Range");
    if (range_header.empty() || ex.method() == "HEAD") {
      ex.respond_file(200, headers, obj->fd(), 0, obj->meta().size);
      return;
    }
    auto range = parse_range(range_header, obj->meta().size);
    if (!range) {
      if (range.error().code == ec::range_not_satisfiable)
        return reply_error(
            ex, 416, range.error().message,
            {{"Content-Range", "bytes */" + std::to_string(obj->meta().size)}});
      return reply_error(ex, range.error());
    }
    headers.push_back({"Content-Range",
                       "bytes " + std::to_string(range->offset) + "-"
                           + std::to_string(range->offset + range->length - 1)
                           + "/" + std::to_string(obj->meta().size)});
    ex.respond_file(206, headers, obj->fd(), range->offset, range->length);
  }

  void put_object(exchange& ex, const object_address& addr) {
    auto name = display_name(addr.bucket, addr.object);
    auto writer = ctx_.store->create(addr.bucket, addr.object);
    if (!writer)
      return reply_error(ex, writer.error());
    auto body = ex.read_body(ctx_.cfg->http.max_object_size,
                             [&](const char* data, size_t size) {
                               return writer->append(data, size);
                             });
    if (!body) {
      auto err = body.error();
      err.message = "cannot store " + name + ": " + err.message;
      return reply_error(ex, err);
    }
    auto meta = writer->commit();
    if (!meta) {
      auto err = meta.error();
      if (err.code == ec::conflict)
        err.message = "cannot store " + name
                      + ": the name collides with an existing object or "
                        "with the prefix of other objects ("
                      + err.message + ")";
      else
        err.message = "cannot store " + name + ": " + err.message;
      return reply_error(ex, err);
    }
    log::debug("PUT ", name, " (", meta->size, " bytes)");
    ex.respond(200, object_headers(*meta), "");
  }

  target_context ctx_;
};

} // namespace

handler make_target_handler(target_context ctx) {
  auto routes = std::make_shared<target_routes>(std::move(ctx));
  return [routes](exchange& ex) {
    (*routes)(ex);
  };
}

} // namespace moss::http
