#include "core/cluster_map.hpp"

#include "core/hrw.hpp"
#include "core/json.hpp"

#include <algorithm>

namespace moss {

void cluster_map::refresh_digests() {
  proxy.digest = hrw_digest(proxy.id);
  for (auto& t : targets)
    t.digest = hrw_digest(t.id);
  for (auto& t : leaving)
    t.digest = hrw_digest(t.id);
}

std::vector<const node_info*> cluster_map::all_targets() const {
  std::vector<const node_info*> out;
  for (auto& t : targets)
    out.push_back(&t);
  for (auto& t : leaving)
    out.push_back(&t);
  return out;
}

bool cluster_map::is_leaving(const std::string& id) const {
  return std::any_of(leaving.begin(), leaving.end(), [&](const node_info& n) {
    return n.id == id;
  });
}

bool cluster_map::has_bucket(const std::string& name) const {
  return std::binary_search(buckets.begin(), buckets.end(), name);
}

const node_info* cluster_map::find_target(const std::string& id) const {
  for (auto& t : targets)
    if (t.id == id)
      return &t;
  return nullptr;
}

const node_info* cluster_map::owner(const std::string& uname) const {
  if (targets.empty())
    return nullptr;
  auto digest = hrw_digest(uname);
  const node_info* best = nullptr;
  uint64_t best_weight = 0;
  for (auto& t : targets) {
    auto weight = xoshiro256_hash(t.digest ^ digest);
    if (best == nullptr || weight >= best_weight) {
      best = &t;
      best_weight = weight;
    }
  }
  return best;
}

namespace {

void write_node(json_writer& w, const node_info& n, const char* type) {
  w.begin_object();
  w.key("daemon_id").string(n.id);
  w.key("daemon_type").string(type);
  w.key("public_net").begin_object();
  auto host_port = n.http_url.substr(n.http_url.find("://") + 3);
  auto colon = host_port.rfind(':');
  w.key("node_ip_addr").string(host_port.substr(0, colon));
  w.key("daemon_port").string(host_port.substr(colon + 1));
  w.key("direct_url").string(n.http_url);
  w.end_object();
  w.key("intra_control_net").begin_object();
  w.key("node_ip_addr").string(n.caf_host);
  w.key("daemon_port").string(std::to_string(n.caf_port));
  w.end_object();
  w.key("flags").integer(0);
  w.end_object();
}

} // namespace

std::string to_smap_json(const cluster_map& map) {
  json_writer w;
  w.begin_object();
  w.key("version").integer(map.version);
  w.key("pmap").begin_object();
  if (!map.proxy.id.empty()) {
    w.key(map.proxy.id);
    write_node(w, map.proxy, "proxy");
  }
  w.end_object();
  w.key("tmap").begin_object();
  for (auto& t : map.targets) {
    w.key(t.id);
    write_node(w, t, "target");
  }
  w.end_object();
  // Not in `tmap`, so that clients placing objects by HRW ignore them.
  w.key("leaving").begin_object();
  for (auto& t : map.leaving) {
    w.key(t.id);
    write_node(w, t, "target");
  }
  w.end_object();
  w.key("proxy_si");
  write_node(w, map.proxy, "proxy");
  w.key("buckets").begin_array();
  for (auto& b : map.buckets)
    w.string(b);
  w.end_array();
  w.end_object();
  return w.str();
}

} // namespace moss
