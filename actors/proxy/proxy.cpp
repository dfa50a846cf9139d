#include "actors/proxy/proxy.hpp"

#include "actors/error.hpp"
#include "config/runtime.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/names.hpp"
#include "core/sign.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace moss {

namespace {

constexpr auto update_timeout = std::chrono::seconds(10);
constexpr auto list_timeout = std::chrono::seconds(60);

using proxy_ptr = proxy_actor::stateful_pointer<proxy_state>;

/// Bumps the version, persists, publishes, and pushes the map to every
/// target. Calls `done` once every target answered (or failed to).
void commit_map(proxy_ptr self, std::function<void(int64_t)> done = nullptr) {
  auto& st = self->state;
  ++st.map.version;
  if (!st.state_file.empty())
    if (auto r = save_proxy_state(st.state_file, st.map); !r)
      log::error("cannot persist the cluster map: ", r.error().message);
  if (st.view != nullptr)
    st.view->update(st.map);
  auto version = st.map.version;
  log::info("cluster map v", version, ": ", st.map.targets.size(),
            " target(s), ", st.map.buckets.size(), " bucket(s)");
  if (st.members.empty()) {
    if (done)
      done(version);
    return;
  }
  auto pending = std::make_shared<size_t>(st.members.size());
  auto finish = [pending, done, version] {
    if (--*pending == 0 && done)
      done(version);
  };
  for (auto& [id, handle] : st.members) {
    self->request(handle, update_timeout, atom::update_v, st.map)
        .then(
            [finish](int64_t) {
              finish();
            },
            [finish, id = id](caf::error& err) {
              log::warn("target ", id,
                        " did not take the map: ", caf::to_string(err));
              finish();
            });
  }
}

/// The node with `id` in `nodes` (end() if none).
std::vector<node_info>::iterator find_node(std::vector<node_info>& nodes,
                                           const std::string& id) {
  return std::find_if(nodes.begin(), nodes.end(), [&](const node_info& n) {
    return n.id == id;
  });
}

void erase_node(std::vector<node_info>& nodes, const std::string& id) {
  if (auto it = find_node(nodes, id); it != nodes.end())
    nodes.erase(it);
}

void drop_target(proxy_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  for (auto it = st.members.begin(); it != st.members.end(); ++it) {
    if (it->second.address() != source)
      continue;
    auto id = it->first;
    st.members.erase(it);
    erase_node(st.map.targets, id);
    erase_node(st.map.leaving, id);
    log::warn("target ", id, " left the cluster (connection lost)");
    commit_map(self);
    return;
  }
}

} // namespace

expected<cluster_map> load_proxy_state(const std::string& path) {
  cluster_map map;
  std::ifstream in{path};
  if (!in)
    return map;
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("version")
      || !doc["version"].IsInt64() || !doc.HasMember("buckets")
      || !doc["buckets"].IsArray())
    return make_error(ec::io_error, "corrupt proxy state in " + path);
  map.version = doc["version"].GetInt64();
  for (auto& b : doc["buckets"].GetArray())
    if (b.IsString())
      map.buckets.emplace_back(b.GetString());
  std::sort(map.buckets.begin(), map.buckets.end());
  if (doc.HasMember("settings") && doc["settings"].IsArray())
    for (auto& s : doc["settings"].GetArray())
      if (s.IsString())
        map.settings.emplace_back(s.GetString());
  return map;
}

expected<void> save_proxy_state(const std::string& path,
                                const cluster_map& map) {
  json_writer w;
  w.begin_object();
  w.key("version").integer(map.version);
  w.key("buckets").begin_array();
  for (auto& b : map.buckets)
    w.string(b);
  w.end_array();
  w.key("settings").begin_array();
  for (auto& s : map.settings)
    w.string(s);
  w.end_array();
  w.end_object();
  auto tmp = path + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << w.str();
    out.flush();
    if (!out)
      return make_error(ec::io_error, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(ec::io_error, "cannot rename " + tmp);
  return {};
}

proxy_actor::behavior_type
proxy(proxy_actor::stateful_pointer<proxy_state> self, node_info self_info,
      std::string state_file, cluster_view* view, std::string join_token) {
  auto& state = self->state;
  state.join_token = std::move(join_token);
  state.state_file = std::move(state_file);
  state.view = view;
  if (!state.state_file.empty()) {
    if (auto loaded = load_proxy_state(state.state_file))
      state.map = *loaded;
    else
      log::error(loaded.error().message, "; starting with no buckets");
  }
  state.map.proxy = std::move(self_info);
  state.map.targets.clear();
  if (state.view != nullptr)
    state.view->update(state.map);
  self->set_down_handler([self](caf::down_msg& msg) {
    drop_target(self, msg.source);
    self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) {
      log::warn("proxy: dropped an unexpected message ",
                caf::to_string(x.copy_content_to_message()));
      return caf::drop(nullptr, x);
    });
  });
  return {
      [self](atom::join, node_info info, target_actor handle,
             const std::string& token) -> caf::result<cluster_map> {
        auto& st = self->state;
        if (!same_secret(token, st.join_token)) {
          log::warn("refused target ", info.id, " at ", info.http_url,
                    ": wrong middleman.join_token");
          return to_caf_error(make_error(
              ec::invalid_argument,
              "refused: middleman.join_token does not match the cluster's"));
        }
        if (info.id.empty())
          return to_caf_error(make_error(ec::invalid_argument,
                                         "a target needs a non-empty id"));
        if (auto it = st.members.find(info.id);
            it != st.members.end() && it->second != handle)
          self->demonitor(it->second.address());
        st.members[info.id] = handle;
        self->monitor(handle);
        auto& ts = st.map.targets;
        erase_node(ts, info.id);
        // A leaving target that restarts stays out of placement.
        auto& ls = st.map.leaving;
        auto was_leaving = find_node(ls, info.id);
        if (was_leaving != ls.end()) {
          log::info("leaving target ", info.id, " reconnected");
          *was_leaving = std::move(info);
        } else {
          log::info("target ", info.id, " joined at ", info.http_url);
          ts.push_back(std::move(info));
          std::sort(ts.begin(), ts.end(),
                    [](const node_info& a, const node_info& b) {
                      return a.id < b.id;
                    });
        }
        commit_map(self);
        return st.map;
      },
      [self](atom::create, const std::string& bucket) -> caf::result<int64_t> {
        auto& st = self->state;
        if (st.map.has_bucket(bucket))
          return to_caf_error(
              make_error(ec::already_exists,
                         "bucket " + display_name(bucket) + " already exists"));
        auto& bs = st.map.buckets;
        bs.insert(std::lower_bound(bs.begin(), bs.end(), bucket), bucket);
        auto rp = self->make_response_promise<int64_t>();
        commit_map(self, [rp](int64_t v) mutable {
          rp.deliver(v);
        });
        return rp;
      },
      [self](atom::destroy, const std::string& bucket) -> caf::result<int64_t> {
        auto& st = self->state;
        if (!st.map.has_bucket(bucket))
          return to_caf_error(
              make_error(ec::not_found,
                         "bucket " + display_name(bucket) + " does not exist"));
        auto& bs = st.map.buckets;
        bs.erase(std::lower_bound(bs.begin(), bs.end(), bucket));
        auto rp = self->make_response_promise<int64_t>();
        commit_map(self, [rp](int64_t v) mutable {
          rp.deliver(v);
        });
        return rp;
      },
      [self](atom::configure, const std::vector<std::string>& assignments)
          -> caf::result<int64_t> {
        auto& st = self->state;
        auto merged = merge_runtime_overrides(st.map.settings, assignments);
        if (!merged)
          return to_caf_error(merged.error());
        st.map.settings = std::move(*merged);
        auto rp = self->make_response_promise<int64_t>();
        commit_map(self, [rp](int64_t v) mutable {
          rp.deliver(v);
        });
        return rp;
      },
      [self](atom::leave, const std::string& id) -> caf::result<int64_t> {
        auto& st = self->state;
        if (st.map.is_leaving(id))
          return st.map.version;
        auto& ts = st.map.targets;
        auto it = find_node(ts, id);
        if (it == ts.end())
          return to_caf_error(
              make_error(ec::not_found, "no target " + id + " in the cluster"));
        if (ts.size() == 1)
          return to_caf_error(make_error(
              ec::conflict, "cannot decommission " + id
                                + ", the last target: its objects would "
                                  "have nowhere to go"));
        log::info("target ", id, " is leaving: out of placement");
        st.map.leaving.push_back(std::move(*it));
        ts.erase(it);
        auto rp = self->make_response_promise<int64_t>();
        commit_map(self, [rp](int64_t v) mutable {
          rp.deliver(v);
        });
        return rp;
      },
      [self](atom::remove, const std::string& id) -> caf::result<int64_t> {
        auto& st = self->state;
        if (!st.map.is_leaving(id))
          return to_caf_error(make_error(
              ec::conflict,
              "target " + id + " is not leaving; decommission it first"));
        erase_node(st.map.leaving, id);
        // It gets this last map (and learns it is out), then no more.
        auto handle = st.members[id];
        auto last = st.map;
        ++last.version;
        caf::anon_send(handle, atom::update_v, std::move(last));
        self->demonitor(handle.address());
        st.members.erase(id);
        log::info("target ", id, " was decommissioned");
        auto rp = self->make_response_promise<int64_t>();
        commit_map(self, [rp](int64_t v) mutable {
          rp.deliver(v);
        });
        return rp;
      },
      [self](atom::list, const list_query& query) -> caf::result<list_page> {
        auto& st = self->state;
        if (!st.map.has_bucket(query.bucket))
          return to_caf_error(
              make_error(ec::not_found, "bucket " + display_name(query.bucket)
                                            + " does not exist"));
        if (st.members.empty())
          return list_page{};
        struct gather {
          std::vector<list_page> pages;
          size_t pending = 0;
          bool failed = false;
        };
        auto g = std::make_shared<gather>();
        g->pending = st.members.size();
        auto rp = self->make_response_promise<list_page>();
        for (auto& [id, handle] : st.members) {
          self->request(handle, list_timeout, atom::list_v, query)
              .then(
                  [g, rp, query](list_page& page) mutable {
                    g->pages.push_back(std::move(page));
                    if (--g->pending == 0 && !g->failed)
                      rp.deliver(merge_pages(std::move(g->pages), query));
                  },
                  [g, rp, id = id](caf::error& err) mutable {
                    --g->pending;
                    if (g->failed)
                      return;
                    g->failed = true;
                    auto e = from_caf_error(err);
                    e.message
                        = "listing failed on target " + id + ": " + e.message;
                    rp.deliver(to_caf_error(e));
                  });
        }
        return rp;
      },
  };
}

} // namespace moss
