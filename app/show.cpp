#include "app/cluster_map_client.hpp"
#include "app/node.hpp"
#include "http/client.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>

namespace moss::app {

namespace {

std::string endpoint_of(const options& opts) {
  if (!opts.positional.empty() && opts.positional.size() > 1)
    return opts.positional[1];
  if (const char* env = std::getenv("AIS_ENDPOINT"))
    return env;
  return "http://127.0.0.1:51080";
}

} // namespace

int run_show(const options& opts) {
  if (opts.positional.empty() || opts.positional[0] != "cluster") {
    std::fprintf(stderr, "usage: moss show cluster [ENDPOINT]\n");
    return 2;
  }
  auto endpoint = endpoint_of(opts);
  auto fetched = fetch_cluster_map(endpoint);
  if (!fetched) {
    std::fprintf(stderr, "moss: %s\n", fetched.error().message.c_str());
    return 1;
  }
  auto& map = *fetched;
  std::printf("cluster map v%lld\n",
              static_cast<long long>(map["version"].GetInt64()));
  auto& proxy = map["proxy_si"];
  std::printf("%-10s %-12s %-28s %s\n", "ROLE", "ID", "URL", "WORK ITEMS");
  std::printf("%-10s %-12s %-28s %s\n", "proxy", proxy["daemon_id"].GetString(),
              proxy["public_net"]["direct_url"].GetString(), "-");
  for (auto& t : map["tmap"].GetObject()) {
    std::string url = t.value["public_net"]["direct_url"].GetString();
    std::string work = "?";
    if (auto gb = http::request("GET", url + "/v1/daemon?what=getbatch");
        gb && gb->status == 200) {
      rapidjson::Document d;
      d.Parse(gb->body.c_str());
      if (!d.HasParseError() && d.HasMember("active_work_items"))
        work = std::to_string(d["active_work_items"].GetInt64());
    }
    std::printf("%-10s %-12s %-28s %s\n", "target", t.name.GetString(),
                url.c_str(), work.c_str());
  }
  std::printf("buckets:");
  for (auto& b : map["buckets"].GetArray())
    std::printf(" ais://%s", b.GetString());
  std::printf("\n");
  return 0;
}

} // namespace moss::app
