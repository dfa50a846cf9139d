#include "http/common_routes.hpp"

#include "core/hrw.hpp"
#include "core/metrics.hpp"
#include "core/names.hpp"
#include "http/routes.hpp"
#include "http/status.hpp"

#include <rapidjson/document.h>

#include <chrono>

namespace moss::http {

expected<object_address> parse_object_path(const request_target& target,
                                           const cluster_map& map) {
  auto& seg = target.segments;
  if (seg.size() < 4)
    return make_error(ec::invalid_argument,
                      "expected /v1/objects/<bucket>/<object>");
  object_address addr{seg[2], join_segments(seg, 3)};
  if (auto r = validate_bucket_name(addr.bucket); !r)
    return r.error();
  if (auto r = validate_object_name(addr.object); !r)
    return r.error();
  auto provider = normalize_provider(target.param("provider"));
  if (!provider)
    return provider.error();
  if (*provider != "ais" || !map.has_bucket(addr.bucket))
    return make_error(ec::not_found, "bucket " + *provider + "://" + addr.bucket
                                         + " does not exist");
  return addr;
}

handler with_metrics(handler h) {
  return [h = std::move(h)](exchange& ex) {
    auto start = std::chrono::steady_clock::now();
    h(ex);
    // The route is the first two path segments: /v1/objects, /v1/ml, ...
    auto& t = ex.target();
    auto path = t.substr(0, t.find('?'));
    auto second = path.find('/', 1);
    auto third
        = second == std::string::npos ? second : path.find('/', second + 1);
    auto route = path.substr(0, third);
    if (route != "/metrics" && route.rfind("/v1/", 0) != 0)
      route = "other";
    std::chrono::duration<double> took
        = std::chrono::steady_clock::now() - start;
    metrics::record_http(ex.method(), route, ex.status(), took.count());
  };
}

expected<routed_object> route_object(const exchange& ex,
                                     const request_target& target,
                                     const cluster_map& map) {
  auto addr = parse_object_path(target, map);
  if (!addr)
    return addr.error();
  auto& method = ex.method();
  if (method != "GET" && method != "HEAD" && method != "PUT"
      && method != "DELETE")
    return make_error(ec::method_not_allowed,
                      "method " + method + " is not supported on objects");
  auto owner = map.owner(object_uname("ais", addr->bucket, addr->object));
  if (owner == nullptr)
    return make_error(ec::unavailable, "the cluster has no targets");
  return routed_object{std::move(*addr), owner};
}

bool serve_common(exchange& ex, const request_target& target,
                  const cluster_view& view) {
  auto& seg = target.segments;
  if (seg.size() == 2 && seg[1] == "health") {
    ex.respond(200, {}, "");
    return true;
  }
  if (seg.size() == 2 && seg[1] == "daemon") {
    auto what = target.param("what");
    if (what == "smap") {
      reply_json(ex, to_smap_json(*view.current()));
      return true;
    }
    reply_error(ex, 400, "unsupported ?what=" + what + " (try what=smap)");
    return true;
  }
  return false;
}

std::string object_path(const std::string& bucket, const std::string& object) {
  return "/v1/objects/" + percent_encode_path(bucket) + "/"
         + percent_encode_path(object);
}

void redirect(exchange& ex, const std::string& base_url,
              const std::string& encoded_path, const std::string& raw_query) {
  auto location = base_url + encoded_path;
  if (!raw_query.empty())
    location += "?" + raw_query;
  ex.respond(307, {{"Location", location}}, "");
}

namespace {

expected<rapidjson::Document> parse_json_body(exchange& ex, uint64_t max_body) {
  rapidjson::Document doc;
  auto body = ex.read_body(max_body);
  if (!body)
    return body.error();
  if (body->empty()) {
    doc.SetNull();
    return doc;
  }
  doc.Parse(body->c_str(), body->size());
  if (doc.HasParseError() || !doc.IsObject())
    return make_error(ec::invalid_argument,
                      "request body is not a JSON object");
  return doc;
}

} // namespace

expected<std::string> parse_bucket_action(exchange& ex, uint64_t max_body) {
  auto doc = parse_json_body(ex, max_body);
  if (!doc)
    return doc.error();
  if (doc->IsNull())
    return std::string{};
  auto it = doc->FindMember("action");
  if (it == doc->MemberEnd() || !it->value.IsString())
    return make_error(ec::invalid_argument,
                      "bucket request body lacks a string \"action\"");
  return std::string{it->value.GetString()};
}

expected<list_query> parse_list_request(exchange& ex,
                                        const request_target& target,
                                        const std::string& bucket,
                                        uint32_t max_page_size,
                                        uint64_t max_body) {
  list_query query;
  query.bucket = bucket;
  query.prefix = target.param("prefix");
  query.start_after = target.param("continuation_token");
  int64_t page_size = 0;
  if (auto p = target.param("pagesize"); !p.empty()) {
    try {
      page_size = std::stoll(p);
    } catch (...) {
      return make_error(ec::invalid_argument, "invalid pagesize \"" + p + "\"");
    }
  }
  auto doc = parse_json_body(ex, max_body);
  if (!doc)
    return doc.error();
  if (doc->IsObject()) {
    auto action = doc->FindMember("action");
    if (action != doc->MemberEnd()
        && (!action->value.IsString()
            || std::string{action->value.GetString()} != "list"))
      return make_error(ec::invalid_argument,
                        "GET on a bucket expects the action \"list\"");
    auto value = doc->FindMember("value");
    if (value != doc->MemberEnd() && value->value.IsObject()) {
      auto& v = value->value;
      if (auto m = v.FindMember("prefix");
          m != v.MemberEnd() && m->value.IsString())
        query.prefix = m->value.GetString();
      if (auto m = v.FindMember("continuation_token");
          m != v.MemberEnd() && m->value.IsString())
        query.start_after = m->value.GetString();
      if (auto m = v.FindMember("pagesize"); m != v.MemberEnd()) {
        if (m->value.IsInt64())
          page_size = m->value.GetInt64();
        else if (!m->value.IsNull())
          return make_error(ec::invalid_argument,
                            "\"pagesize\" must be an integer");
      }
    }
  }
  if (page_size < 0)
    return make_error(ec::invalid_argument,
                      "\"pagesize\" must not be negative");
  if (page_size == 0 || page_size > max_page_size)
    page_size = max_page_size;
  query.page_size = static_cast<uint32_t>(page_size);
  return query;
}

} // namespace moss::http
