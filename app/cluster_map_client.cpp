#include "app/cluster_map_client.hpp"

#include "http/client.hpp"

namespace moss::app {

expected<rapidjson::Document>
fetch_cluster_map(const std::string& endpoint,
                  std::chrono::milliseconds timeout) {
  auto res = http::request("GET", endpoint + "/v1/daemon?what=smap", {}, {},
                           timeout);
  if (!res)
    return res.error();
  rapidjson::Document map;
  map.Parse(res->body.c_str());
  if (res->status != 200 || map.HasParseError() || !map.HasMember("tmap"))
    return make_error(ec::unavailable, endpoint
                                           + " did not return a cluster map ("
                                           + std::to_string(res->status) + ")");
  return map;
}

} // namespace moss::app
