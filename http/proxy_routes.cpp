#include "core/json.hpp"
#include "core/metrics.hpp"
#include "core/names.hpp"
#include "http/admin_routes.hpp"
#include "http/batch_routes.hpp"
#include "http/common_routes.hpp"
#include "http/list_encoding.hpp"
#include "http/routes.hpp"
#include "http/status.hpp"

#include <random>

namespace moss::http {

namespace {

std::string listing_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(10, 'x');
  for (auto& c : id)
    c = alphabet[rng() % 36];
  return id;
}

class proxy_routes {
 public:
  explicit proxy_routes(proxy_context ctx) : ctx_(std::move(ctx)) {
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
    if (serve_admin_on_proxy(ex, *target, ctx_))
      return;
    if (seg.size() < 2 || seg[0] != "v1")
      return reply_error(ex, 404, "no such endpoint: " + ex.target());
    if (serve_common(ex, *target, *ctx_.view))
      return;
    if (seg[1] == "objects")
      return serve_object(ex, *target);
    if (seg[1] == "buckets")
      return serve_bucket(ex, *target);
    if (seg[1] == "ml" && seg.size() >= 3)
      return serve_batch_on_proxy(ex, *target, ctx_);
    reply_error(ex, 404, "no such endpoint: " + ex.target());
  }

 private:
  void serve_object(exchange& ex, const request_target& target) {
    auto map = ctx_.view->current();
    auto routed = route_object(ex, target, *map);
    if (!routed)
      return reply_error(ex, routed.error());
    auto& addr = routed->addr;
    auto path = object_path(addr.bucket, addr.object);
    // Clients drop their token on a redirect to another port: the target
    // takes the proxy's signature instead.
    auto query = target.raw_query;
    if (ctx_.gate != nullptr)
      if (auto signature = ctx_.gate->sign_redirect(ex.method(), path);
          !signature.empty())
        query += (query.empty() ? "" : "&") + signature;
    redirect(ex, routed->owner->http_url, path, query);
  }

  void serve_bucket(exchange& ex, const request_target& target) {
    auto& seg = target.segments;
    auto& method = ex.method();
    auto& http_cfg = ctx_.cfg->http;
    if (seg.size() > 3)
      return reply_error(ex, 400, "expected /v1/buckets/<bucket>");
    std::string bucket = seg.size() == 3 ? seg[2] : std::string{};
    if (bucket.empty()) {
      if (method != "GET")
        return reply_error(
            ex, 405, "method " + method + " needs a bucket name in the path");
      return list_buckets(ex);
    }
    if (auto r = validate_bucket_name(bucket); !r)
      return reply_error(ex, r.error());
    auto provider = normalize_provider(target.param("provider"));
    if (!provider)
      return reply_error(ex, provider.error());
    if (*provider != "ais")
      return reply_error(ex, 404,
                         "bucket " + *provider + "://" + bucket
                             + " does not exist (moss stores ais:// "
                               "buckets only)");
    if (method == "POST") {
      auto action = parse_bucket_action(ex, http_cfg.max_json_body);
      if (!action)
        return reply_error(ex, action.error());
      if (*action != "create-bck" && !action->empty())
        return reply_error(ex, 400,
                           "unsupported bucket action \"" + *action
                               + "\" (moss supports create-bck)");
      if (auto r = ctx_.backend->create_bucket(bucket); !r)
        return reply_error(ex, r.error());
      return ex.respond(200, {}, "");
    }
    if (method == "DELETE") {
      auto action = parse_bucket_action(ex, http_cfg.max_json_body);
      if (!action)
        return reply_error(ex, action.error());
      if (*action != "destroy-bck" && !action->empty())
        return reply_error(ex, 400,
                           "unsupported bucket action \"" + *action
                               + "\" (moss supports destroy-bck)");
      if (auto r = ctx_.backend->destroy_bucket(bucket); !r)
        return reply_error(ex, r.error());
      return ex.respond(200, {}, "");
    }
    if (method == "HEAD") {
      if (!ctx_.view->current()->has_bucket(bucket))
        return reply_error(
            ex, 404, "bucket " + display_name(bucket) + " does not exist");
      return ex.respond(200, {}, "");
    }
    if (method != "GET")
      return reply_error(ex, 405,
                         "method " + method + " is not supported on buckets");
    auto query
        = parse_list_request(ex, target, bucket, ctx_.cfg->list.max_page_size,
                             http_cfg.max_json_body);
    if (!query)
      return reply_error(ex, query.error());
    auto page = ctx_.backend->list_objects(*query);
    if (!page)
      return reply_error(ex, page.error());
    if (ex.header("Accept").find("msgpack") != std::string::npos)
      return ex.respond(200, {{"Content-Type", "application/msgpack"}},
                        encode_list_msgpack(*page, listing_uuid()));
    reply_json(ex, encode_list_json(*page, listing_uuid()));
  }

  void list_buckets(exchange& ex) {
    auto map = ctx_.view->current();
    json_writer w;
    w.begin_array();
    for (auto& b : map->buckets) {
      w.begin_object();
      w.key("name").string(b);
      w.key("provider").string("ais");
      w.key("namespace").begin_object().key("uuid").string("");
      w.key("name").string("").end_object();
      w.end_object();
    }
    w.end_array();
    reply_json(ex, w.str());
  }

  proxy_context ctx_;
};

} // namespace

handler make_proxy_handler(proxy_context ctx) {
  auto routes = std::make_shared<proxy_routes>(std::move(ctx));
  return [routes](exchange& ex) {
    (*routes)(ex);
  };
}

} // namespace moss::http
