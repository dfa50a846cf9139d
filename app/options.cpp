#include "app/options.hpp"

#include <filesystem>
#include <fstream>
#include <random>

namespace moss::app {

const char* const usage = R"(moss: an AIStore-compatible GetBatch server

usage:
  moss cluster [options]        start a local cluster: 1 proxy + N targets
  moss proxy   [options]        run the proxy (gateway) of a cluster
  moss target  --proxy HOST:PORT [options]
                                run a storage target that joins the proxy
  moss show cluster [ENDPOINT]  the cluster map and live work items
                                (ENDPOINT: $AIS_ENDPOINT, else the proxy
                                at http://127.0.0.1:51080)
  moss show job [ENDPOINT] [--refresh SECONDS [--count N]]
                                every GetBatch work item, live and recent,
                                with its fetches and progress
  moss put DIR ais://BUCKET [--workers N]
                                upload every file under DIR (object names
                                are paths relative to DIR), in parallel
  moss ls ais://BUCKET [--prefix P]
                                list a bucket's objects
  moss get-batch ais://BUCKET --list FILE -o OUT [--format tar|tgz|zip|
                 tar.lz4] [--coer]
                                fetch every entry named in FILE (one per
                                line: OBJECT, or OBJECT<TAB>ARCHPATH for
                                a file inside a shard) as one archive
  moss target decommission ID   move a target's objects to the others, then
                                remove it from the cluster (it stops)
  moss rebalance                move every object to the target that owns
                                it now (after adding targets), with progress
  moss config show [ENDPOINT]   the cluster-wide runtime settings
  moss config set KEY=VALUE... [ENDPOINT]
                                change get_batch settings on every node,
                                e.g. get_batch.max_soft_errs=10
  moss version                  print the version

options:
  --config FILE                 JSON config (defaults: config/default.json)
  --set KEY=VALUE               override one config value, e.g.
                                --set get_batch.max_wait=10s (repeatable)
  --data-dir DIR                where the node keeps its data
                                (cluster: cluster.data_dir, ./moss-data)
  --host ADDR                   address to bind (127.0.0.1)
  --advertise-host ADDR         address other nodes and clients use, if
                                not the bound one (0.0.0.0, NAT)
  --port PORT                   HTTP port (proxy and cluster: 51080)
  --caf-port PORT               inter-node (CAF middleman) port
  --targets N                   number of targets (cluster: 3)
  --mountpath DIR               a target's disk (repeatable; default
                                DATA_DIR/mp1)
  --public-url URL              a target's URL as others see it
  --log-level LEVEL             debug, info, warn or error
  --endpoint URL                the proxy for client commands (default:
                                $AIS_ENDPOINT, else http://127.0.0.1:51080)
)";

namespace {

bool needs_value(const std::string& opt) {
  return opt == "--config" || opt == "--set" || opt == "--data-dir"
         || opt == "--host" || opt == "--port" || opt == "--caf-port"
         || opt == "--proxy" || opt == "--mountpath" || opt == "--public-url"
         || opt == "--targets" || opt == "--log-level" || opt == "--refresh"
         || opt == "--count" || opt == "--endpoint" || opt == "--workers"
         || opt == "--list" || opt == "-o" || opt == "--output"
         || opt == "--format" || opt == "--prefix" || opt == "--advertise-host";
}

expected<int> parse_port(const std::string& opt, const std::string& text) {
  try {
    size_t used = 0;
    auto value = std::stoi(text, &used);
    if (used == text.size() && value >= 0 && value <= 65535)
      return value;
  } catch (...) {}
  return make_error(ec::invalid_argument,
                    opt + " expects a port number, not \"" + text + "\"");
}

} // namespace

expected<options> parse_options(int argc, char** argv) {
  options opts;
  if (argc < 2)
    return make_error(ec::invalid_argument, "missing command");
  opts.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string opt = argv[i];
    std::string value;
    if (auto eq = opt.find('=');
        opt.rfind("--", 0) == 0 && eq != opt.npos && opt != "--set") {
      value = opt.substr(eq + 1);
      opt = opt.substr(0, eq);
      if (opt == "--set")
        return make_error(ec::invalid_argument, "use --set KEY=VALUE");
    } else if (needs_value(opt)) {
      if (i + 1 >= argc)
        return make_error(ec::invalid_argument, opt + " needs a value");
      value = argv[++i];
    }
    if (opt == "--config") {
      opts.config_file = value;
    } else if (opt == "--set") {
      opts.overrides.push_back(value);
    } else if (opt == "--data-dir") {
      opts.data_dir = value;
    } else if (opt == "--host") {
      opts.host = value;
    } else if (opt == "--port") {
      auto p = parse_port(opt, value);
      if (!p)
        return p.error();
      opts.http_port = *p;
    } else if (opt == "--caf-port") {
      auto p = parse_port(opt, value);
      if (!p)
        return p.error();
      opts.caf_port = *p;
    } else if (opt == "--proxy") {
      opts.proxy = value;
    } else if (opt == "--mountpath") {
      opts.mountpaths.push_back(value);
    } else if (opt == "--public-url") {
      opts.public_url = value;
    } else if (opt == "--targets") {
      opts.overrides.push_back("cluster.targets=" + value);
    } else if (opt == "--log-level") {
      opts.overrides.push_back("log_level=" + value);
    } else if (opt == "--advertise-host") {
      opts.overrides.push_back("cluster.advertise_host=" + value);
    } else if (opt == "--endpoint") {
      opts.endpoint = value;
    } else if (opt == "--list") {
      opts.list_file = value;
    } else if (opt == "-o" || opt == "--output") {
      opts.output = value;
    } else if (opt == "--format") {
      opts.format = value;
    } else if (opt == "--prefix") {
      opts.prefix = value;
    } else if (opt == "--coer") {
      opts.continue_on_error = true;
    } else if (opt == "--workers") {
      auto n = parse_port(opt, value);
      if (!n || *n < 1 || *n > 256)
        return make_error(ec::invalid_argument,
                          "--workers expects 1 to 256, not \"" + value + "\"");
      opts.workers = *n;
    } else if (opt == "--refresh" || opt == "--count") {
      try {
        size_t used = 0;
        auto number = std::stod(value, &used);
        if (used != value.size() || number < 0 || number > 1e6)
          throw std::invalid_argument{value};
        if (opt == "--refresh")
          opts.refresh_seconds = number;
        else
          opts.count = static_cast<int>(number);
      } catch (...) {
        return make_error(ec::invalid_argument,
                          opt + " expects a number, not \"" + value + "\"");
      }
    } else if (opt.rfind("--", 0) == 0) {
      return make_error(ec::invalid_argument, "unknown option " + opt);
    } else {
      opts.positional.push_back(opt);
    }
  }
  return opts;
}

expected<config> effective_config(const options& opts) {
  auto overrides = opts.overrides;
  if (!opts.host.empty())
    overrides.push_back("cluster.host=" + opts.host);
  if (!opts.data_dir.empty())
    overrides.push_back("cluster.data_dir=" + opts.data_dir);
  auto node = opts.command == "target" ? "target" : "proxy";
  if (opts.http_port >= 0)
    overrides.push_back(std::string{node}
                        + ".http_port=" + std::to_string(opts.http_port));
  if (opts.caf_port >= 0)
    overrides.push_back(std::string{node}
                        + ".caf_port=" + std::to_string(opts.caf_port));
  return load_config(opts.config_file, overrides);
}

expected<std::string> node_id(const std::string& dir, const std::string& kind) {
  auto path = dir + "/node_id";
  std::ifstream in{path};
  std::string id;
  if (in >> id && !id.empty())
    return id;
  std::mt19937_64 rng{std::random_device{}()};
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  id = kind == "proxy" ? "p" : "t";
  for (int i = 0; i < 7; ++i)
    id += alphabet[rng() % 36];
  std::ofstream out{path, std::ios::trunc};
  out << id << "\n";
  if (!out)
    return make_error(ec::io_error, "cannot write " + path);
  return id;
}

} // namespace moss::app
