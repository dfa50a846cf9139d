#include "app/cluster_map_client.hpp"
#include "app/node.hpp"
#include "http/client.hpp"
#include "http/url.hpp"

#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "client/client.hpp"

namespace moss::app {

namespace {

using json = rapidjson::Value;

int64_t num(const json& v, const char* key) {
  if (!v.HasMember(key))
    return 0;
  auto& x = v[key];
  return x.IsInt64() ? x.GetInt64() : x.IsDouble() ? int64_t(x.GetDouble()) : 0;
}

std::string str(const json& v, const char* key) {
  return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

/// Compact, for table columns: "4.0MiB".
std::string bytes(double n) {
  return human_bytes(n, "");
}

int show_cluster(const std::string& endpoint) {
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
    if (auto gb = http::request(
            "GET", url + "/v1/daemon?what=getbatch", {},
            client::bearer_headers(client::token_from_environment()));
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

void print_job(const json& j, const std::string& node, bool with_tree) {
  auto entries = num(j, "entries");
  auto cursor = num(j, "cursor");
  char progress[48];
  std::snprintf(progress, sizeof progress, "%lld/%lld %3.0f%%",
                static_cast<long long>(cursor), static_cast<long long>(entries),
                entries == 0 ? 100.0 : 100.0 * cursor / entries);
  double seconds = j.HasMember("seconds") && j["seconds"].IsNumber()
                       ? j["seconds"].GetDouble()
                       : 0;
  std::printf("%-18s %-10s %-9s %-18s %-10s %-10s %-8.2f %6.1fs  %s\n",
              str(j, "uuid").c_str(), node.c_str(), str(j, "state").c_str(),
              progress, bytes(double(num(j, "payload_bytes"))).c_str(),
              bytes(double(num(j, "window_bytes"))).c_str(),
              double(num(j, "rx_wait_ns")) / 1e9, seconds,
              str(j, "error").c_str());
  if (!with_tree)
    return;
  for (auto& f : j["fetches"].GetArray())
    std::printf("  ├─ fetch from %-10s %lld/%lld entries, %lld in flight%s\n",
                str(f, "target").c_str(),
                static_cast<long long>(num(f, "delivered")),
                static_cast<long long>(num(f, "entries")),
                static_cast<long long>(num(f, "inflight")),
                f["lost"].GetBool() ? ", TARGET LOST" : "");
  std::printf("  └─ serializer %s%s: %s sent\n", str(j, "format").c_str(),
              j["streaming"].GetBool() ? " streaming" : " multipart",
              bytes(double(num(j, "archive_bytes"))).c_str());
}

int show_jobs_once(const std::string& endpoint) {
  auto report = call_json("GET", endpoint, "/v1/console/cluster");
  if (!report) {
    std::fprintf(stderr, "moss: %s\n", report.error().message.c_str());
    return 1;
  }
  auto& c = *report;
  std::printf("GetBatch work items (cluster map v%lld, %u target(s))\n",
              static_cast<long long>(num(c, "version")),
              c["targets"].GetArray().Size());
  const char* header = "%-18s %-10s %-9s %-18s %-10s %-10s %-8s %7s  %s\n";
  std::printf(header, "ID", "TARGET", "STATE", "ENTRIES", "PAYLOAD", "WINDOW",
              "RX-WAIT", "AGE", "");
  int active = 0;
  for (auto& t : c["targets"].GetArray()) {
    if (!t["reachable"].GetBool()) {
      std::printf("target %s unreachable: %s\n", str(t, "id").c_str(),
                  str(t, "error").c_str());
      continue;
    }
    for (auto& j : t["node"]["active"].GetArray()) {
      print_job(j, str(t, "id"), true);
      ++active;
    }
  }
  if (active == 0)
    std::printf("(no active work items)\n");
  std::printf("\nrecently finished:\n");
  std::printf(header, "ID", "TARGET", "STATE", "ENTRIES", "PAYLOAD", "WINDOW",
              "RX-WAIT", "TOOK", "ERROR");
  for (auto& t : c["targets"].GetArray())
    if (t["reachable"].GetBool())
      for (auto& j : t["node"]["recent"].GetArray())
        print_job(j, str(t, "id"), false);
  std::fflush(stdout);
  return 0;
}

int show_jobs(const options& opts) {
  auto endpoint = endpoint_argument(opts.positional, 1);
  if (opts.refresh_seconds <= 0)
    return show_jobs_once(endpoint);
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  for (int n = 0; opts.count == 0 || n < opts.count; ++n) {
    if (n > 0)
      std::this_thread::sleep_for(
          std::chrono::duration<double>(opts.refresh_seconds));
    if (tty)
      std::printf("\033[H\033[2J"); // home and clear: a live view
    else if (n > 0)
      std::printf("\n");
    if (int rc = show_jobs_once(endpoint); rc != 0)
      return rc;
  }
  return 0;
}

} // namespace

int run_show(const options& opts) {
  auto what = opts.positional.empty() ? "" : opts.positional[0];
  if (what == "cluster")
    return show_cluster(endpoint_argument(opts.positional, 1));
  if (what == "job" || what == "jobs")
    return show_jobs(opts);
  std::fprintf(stderr, "usage: moss show cluster [ENDPOINT]\n"
                       "       moss show job [ENDPOINT] [--refresh SECONDS "
                       "[--count N]]\n");
  return 2;
}

int run_config(const options& opts) {
  auto& args = opts.positional;
  auto print_usage = [] {
    std::fprintf(stderr, "usage: moss config show [ENDPOINT]\n"
                         "       moss config set KEY=VALUE... [ENDPOINT]\n");
    return 2;
  };
  if (args.empty())
    return print_usage();
  std::string endpoint;
  std::string query;
  if (args[0] == "show") {
    if (args.size() > 2)
      return print_usage();
    endpoint = endpoint_argument(args, 1);
  } else if (args[0] == "set") {
    for (size_t i = 1; i < args.size(); ++i) {
      auto eq = args[i].find('=');
      if (eq == std::string::npos) {
        if (i + 1 != args.size() || !endpoint.empty())
          return print_usage();
        endpoint = args[i];
        continue;
      }
      query += (query.empty() ? "?" : "&")
               + http::percent_encode_path(args[i].substr(0, eq)) + "="
               + http::percent_encode_path(args[i].substr(eq + 1));
    }
    if (query.empty())
      return print_usage();
    if (endpoint.empty())
      endpoint = endpoint_argument({}, 0);
  } else {
    return print_usage();
  }
  auto answer = call_json(query.empty() ? "GET" : "PUT", endpoint,
                          "/v1/cluster/config" + query);
  if (!answer) {
    std::fprintf(stderr, "moss: %s\n", answer.error().message.c_str());
    return 1;
  }
  auto& doc = *answer;
  std::printf("cluster-wide settings:");
  for (auto& s : doc["settings"].GetArray())
    std::printf(" %s", s.GetString());
  if (doc["settings"].GetArray().Empty())
    std::printf(" (none: every node uses its own configuration)");
  std::printf("\nget_batch in force on the proxy:\n");
  for (auto& m : doc["get_batch"].GetObject()) {
    std::string value = m.value.IsString() ? m.value.GetString()
                                           : std::to_string(m.value.GetInt64());
    std::printf("  %-20s %s\n", m.name.GetString(), value.c_str());
  }
  return 0;
}

} // namespace moss::app
