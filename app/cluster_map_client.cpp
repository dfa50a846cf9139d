#include "app/cluster_map_client.hpp"

#include "http/client.hpp"

#include <cstdio>
#include <cstdlib>

#include "client/client.hpp"

namespace moss::app {

expected<rapidjson::Document> call_json(const std::string& method,
                                        const std::string& endpoint,
                                        const std::string& path,
                                        std::chrono::milliseconds timeout) {
  auto res = http::request(
      method, endpoint + path, {},
      client::bearer_headers(client::token_from_environment()), timeout);
  if (!res)
    return make_error(res.error().code, endpoint + ": " + res.error().message);
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  if (res->status / 100 != 2) {
    std::string why = "status " + std::to_string(res->status);
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("message")
        && doc["message"].IsString())
      why = doc["message"].GetString();
    return make_error(ec::invalid_argument, why);
  }
  if (doc.HasParseError())
    return make_error(ec::unavailable,
                      endpoint + path + " did not answer with JSON");
  return doc;
}

expected<rapidjson::Document>
fetch_cluster_map(const std::string& endpoint,
                  std::chrono::milliseconds timeout) {
  auto map = call_json("GET", endpoint, "/v1/daemon?what=smap", timeout);
  if (!map)
    return map;
  if (!map->IsObject() || !map->HasMember("tmap"))
    return make_error(ec::unavailable,
                      endpoint + " did not return a cluster map");
  return map;
}

std::string endpoint_argument(const std::vector<std::string>& positional,
                              size_t index) {
  if (positional.size() > index)
    return positional[index];
  if (const char* env = std::getenv("AIS_ENDPOINT"))
    return env;
  return "http://127.0.0.1:51080";
}

std::string human_bytes(double n, const char* separator) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (n >= 1024 && i < 4) {
    n /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f%s%s" : "%.1f%s%s", n, separator,
                units[i]);
  return buf;
}

} // namespace moss::app
