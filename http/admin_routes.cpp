#include "http/admin_routes.hpp"

#include "core/json.hpp"
#include "core/load.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/client.hpp"
#include "http/status.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <future>

namespace moss {
extern const char* const embedded_console_page;
} // namespace moss

namespace moss::http {

namespace {

/// How long the console waits for one target.
constexpr auto node_timeout = std::chrono::milliseconds(2000);

void write_load(json_writer& w, const load_sample& s, const load_advice& a) {
  double used_pct
      = s.mem_total == 0
            ? 0
            : 100.0 * static_cast<double>(s.mem_total - s.mem_available)
                  / static_cast<double>(s.mem_total);
  w.begin_object();
  w.key("level").string(to_string(a.level));
  w.key("reason").string(a.reason);
  w.key("sleep_ms").integer(a.sleep_ms);
  w.key("cpu_pct").number(s.cpu_pct);
  w.key("disk_pct").number(s.disk_pct);
  w.key("mem_used_pct").number(used_pct);
  w.key("mem_total").integer(static_cast<int64_t>(s.mem_total));
  w.key("mem_available").integer(static_cast<int64_t>(s.mem_available));
  w.key("pending").integer(static_cast<int64_t>(s.pending));
  w.end_object();
}

/// `method path` on every one of `targets` at once; the answers in order.
std::vector<expected<client_response>>
ask_all(const std::vector<const node_info*>& targets, const std::string& method,
        const std::string& path, std::chrono::milliseconds timeout,
        const std::string& join_token) {
  std::vector<std::future<expected<client_response>>> asks;
  for (auto* t : targets)
    asks.push_back(std::async(std::launch::async, [&, url = t->http_url] {
      return request(method, url + path, {},
                     node_auth_headers(join_token, method, path), timeout);
    }));
  std::vector<expected<client_response>> answers;
  for (auto& ask : asks)
    answers.push_back(ask.get());
  return answers;
}

void serve_cluster_console(exchange& ex, const proxy_context& ctx) {
  auto map = ctx.view->current();
  auto targets = map->all_targets();
  auto answers = ask_all(targets, "GET", "/v1/console/node", node_timeout,
                         ctx.cfg->middleman.join_token);
  json_writer w;
  w.begin_object();
  w.key("time_ms").integer(unix_time_ms());
  w.key("version").integer(map->version);
  w.key("proxy").begin_object();
  w.key("id").string(map->proxy.id);
  w.key("url").string(map->proxy.http_url);
  w.end_object();
  w.key("buckets").begin_array();
  for (auto& b : map->buckets)
    w.string(b);
  w.end_array();
  w.key("settings").begin_array();
  for (auto& s : map->settings)
    w.string(s);
  w.end_array();
  w.key("targets").begin_array();
  for (size_t i = 0; i < targets.size(); ++i) {
    auto& t = *targets[i];
    auto& r = answers[i];
    bool reachable = r && r->status == 200;
    w.begin_object();
    w.key("id").string(t.id);
    w.key("url").string(t.http_url);
    w.key("leaving").boolean(map->is_leaving(t.id));
    w.key("reachable").boolean(reachable);
    if (reachable)
      w.key("node").raw(r->body);
    else
      w.key("error").string(r ? "answered " + std::to_string(r->status)
                              : r.error().message);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  reply_json(ex, w.str());
}

/// `POST /v1/cluster/rebalance` starts a pass on every target; `GET` sums
/// up their progress.
void serve_rebalance(exchange& ex, const proxy_context& ctx) {
  auto& method = ex.method();
  if (method != "GET" && method != "POST")
    return reply_error(ex, 405,
                       "rebalance takes GET (progress) or POST "
                       "(start)");
  auto map = ctx.view->current();
  auto targets = map->all_targets();
  auto answers
      = ask_all(targets, method, "/v1/rebalance", std::chrono::seconds(10),
                ctx.cfg->middleman.join_token);
  json_writer w;
  w.begin_object();
  w.key("map_version").integer(map->version);
  w.key("targets").begin_array();
  bool all_ok = true;
  for (size_t i = 0; i < answers.size(); ++i) {
    auto& r = answers[i];
    w.begin_object();
    w.key("id").string(targets[i]->id);
    w.key("leaving").boolean(map->is_leaving(targets[i]->id));
    if (r && r->status / 100 == 2) {
      w.key("progress").raw(r->body);
    } else {
      all_ok = false;
      w.key("error").string(r ? "status " + std::to_string(r->status)
                              : r.error().message);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  reply_json(ex, w.str(), all_ok ? (method == "POST" ? 202 : 200) : 503);
}

/// `POST /v1/cluster/decommission?node=ID` takes a target out of placement;
/// `POST /v1/cluster/remove?node=ID` removes it once a rebalance pass that
/// started after that has moved everything off it.
void serve_membership(exchange& ex, const request_target& target,
                      const std::string& what, const proxy_context& ctx) {
  if (ex.method() != "POST")
    return reply_error(ex, 405, "use POST /v1/cluster/" + what + "?node=ID");
  auto id = target.param("node");
  if (id.empty())
    return reply_error(ex, 400, "which target? add ?node=ID");
  if (what == "decommission") {
    if (auto r = ctx.backend->decommission(id); !r)
      return reply_error(ex, r.error());
    auto map = ctx.view->current();
    json_writer w;
    w.begin_object().key("map_version").integer(map->version);
    w.key("leaving").string(id).end_object();
    return reply_json(ex, w.str());
  }
  auto map = ctx.view->current();
  const node_info* node = nullptr;
  for (auto& t : map->leaving)
    if (t.id == id)
      node = &t;
  if (node == nullptr)
    return reply_error(ex, 409,
                       "target " + id
                           + " is not leaving; decommission it "
                             "first");
  // Only what the node itself reports proves that nothing is left on it.
  auto r = request(
      "GET", node->http_url + "/v1/rebalance", {},
      node_auth_headers(ctx.cfg->middleman.join_token, "GET", "/v1/rebalance"),
      std::chrono::seconds(10));
  rapidjson::Document p;
  if (r && r->status == 200)
    p.Parse(r->body.c_str());
  if (!r || r->status != 200 || p.HasParseError() || !p.IsObject())
    return reply_error(
        ex, 503, "cannot ask target " + id + " whether its objects moved off");
  if (p["running"].GetBool() || p["failed"].GetInt64() != 0
      || p["passes"].GetInt64() == 0 || !p["while_leaving"].GetBool())
    return reply_error(ex, 409,
                       "target " + id
                           + " still holds objects: run a rebalance (moss "
                             "rebalance) and wait until it finished without "
                             "failures");
  if (auto done = ctx.backend->remove_target(id); !done)
    return reply_error(ex, done.error());
  reply_json(ex, "{\"removed\":\"" + id + "\"}");
}

void serve_config(exchange& ex, const request_target& target,
                  const proxy_context& ctx) {
  auto map = ctx.view->current();
  if (ex.method() == "PUT") {
    std::vector<std::string> assignments;
    for (auto& [key, value] : target.query)
      assignments.push_back(key + "=" + value);
    if (assignments.empty())
      return reply_error(ex, 400,
                         "nothing to set: pass settings as query parameters, "
                         "e.g. ?get_batch.max_soft_errs=10");
    auto merged = merge_runtime_overrides(map->settings, assignments);
    if (!merged)
      return reply_error(ex, merged.error());
    if (ctx.runtime != nullptr)
      if (auto r = ctx.runtime->check(*merged); !r)
        return reply_error(ex, 400, "invalid setting: " + r.error().message);
    if (auto r = ctx.backend->configure(assignments); !r)
      return reply_error(ex, r.error());
    for (auto& a : assignments)
      log::info("cluster-wide setting ", a);
    map = ctx.view->current();
  } else if (ex.method() != "GET") {
    return reply_error(ex, 405,
                       "method " + ex.method()
                           + " is not supported on /v1/cluster/config "
                             "(GET shows, PUT sets)");
  }
  auto cfg = config_in_force(ctx.cfg, ctx.runtime, *map);
  json_writer w;
  w.begin_object();
  w.key("settings").begin_array();
  for (auto& s : map->settings)
    w.string(s);
  w.end_array();
  w.key("get_batch");
  write_get_batch_json(w, cfg->get_batch);
  w.end_object();
  reply_json(ex, w.str());
}

} // namespace

void serve_node_console(exchange& ex, const target_context& ctx) {
  auto map = ctx.view->current();
  auto cfg = config_in_force(ctx.cfg, ctx.runtime, *map);
  json_writer w;
  w.begin_object();
  w.key("id").string(ctx.self_id);
  w.key("time_ms").integer(unix_time_ms());
  w.key("map_version").integer(map->version);
  load_sample sample;
  if (ctx.advice != nullptr)
    sample = ctx.advice->last_sample();
  if (ctx.batches != nullptr)
    sample.pending = ctx.batches->active();
  w.key("load");
  write_load(w, sample, advise(sample, load_marks_of(cfg->get_batch)));
  w.key("counters").begin_object();
  for (auto& [name, value] : metrics::getbatch_counters())
    w.key(name).integer(static_cast<int64_t>(value));
  w.end_object();
  w.key("active").begin_array();
  if (ctx.jobs != nullptr)
    for (auto& j : ctx.jobs->active())
      write_job_json(w, j);
  w.end_array();
  w.key("recent").begin_array();
  if (ctx.jobs != nullptr)
    for (auto& j : ctx.jobs->recent())
      write_job_json(w, j);
  w.end_array();
  w.end_object();
  reply_json(ex, w.str());
}

bool serve_admin_on_proxy(exchange& ex, const request_target& target,
                          const proxy_context& ctx) {
  auto& seg = target.segments;
  if (seg.size() == 1 && seg[0] == "console") {
    ex.respond(200,
               {{"Content-Type", "text/html; charset=utf-8"},
                {"Cache-Control", "no-store"}},
               embedded_console_page);
    return true;
  }
  if (seg.size() == 3 && seg[0] == "v1" && seg[1] == "console"
      && seg[2] == "cluster") {
    serve_cluster_console(ex, ctx);
    return true;
  }
  if (seg.size() == 3 && seg[0] == "v1" && seg[1] == "cluster"
      && (seg[2] == "decommission" || seg[2] == "remove")) {
    serve_membership(ex, target, seg[2], ctx);
    return true;
  }
  if (seg.size() == 3 && seg[0] == "v1" && seg[1] == "cluster"
      && seg[2] == "rebalance") {
    serve_rebalance(ex, ctx);
    return true;
  }
  if (seg.size() == 3 && seg[0] == "v1" && seg[1] == "cluster"
      && seg[2] == "config") {
    serve_config(ex, target, ctx);
    return true;
  }
  return false;
}

} // namespace moss::http
