#include "app/node.hpp"

#include "actors/bridge.hpp"
#include "actors/moss/batch_bridge.hpp"
#include "actors/proxy/proxy.hpp"
#include "actors/system_config.hpp"
#include "actors/target/target.hpp"
#include "actors/throttle/throttle.hpp"
#include "core/cluster_view.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/rebalance.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/span_handoff.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace moss::app {

namespace {

/// Spans a target holds open for other nodes' work items at once (each an
/// open file; the process may open 20,000), and how long one waits to be
/// collected: a work item's window (64 MiB by default) drains at the pace of
/// its client, so a slow reader may take minutes to reach a span.
constexpr size_t max_peer_spans = 4096;
constexpr std::chrono::minutes peer_span_ttl{10};

http::server_options server_options_of(const config& cfg) {
  http::server_options so;
  so.read_timeout = cfg.http.read_timeout;
  so.write_timeout = cfg.http.write_timeout;
  so.idle_timeout = cfg.http.idle_timeout;
  so.max_connections = cfg.http.max_connections;
  so.max_drain_bytes = cfg.http.max_drain_bytes;
  so.zero_copy = cfg.http.zero_copy != zero_copy_mode::never;
  so.loopback_zero_copy = cfg.http.zero_copy == zero_copy_mode::always;
  return so;
}

/// Ends the process if an orderly shutdown hangs (a stuck peer connection
/// must not keep a stopped node alive).
void arm_shutdown_watchdog() {
  std::thread{[] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    log::warn("shutdown took too long; exiting");
    ::_exit(0);
  }}.detach();
}

expected<config> node_config(const options& opts) {
  auto cfg = effective_config(opts);
  if (!cfg)
    return cfg;
  log::set_level(cfg->log_level);
  std::error_code err;
  std::filesystem::create_directories(cfg->cluster.data_dir, err);
  if (err)
    return make_error(ec::io_error, "cannot create " + cfg->cluster.data_dir
                                        + ": " + err.message());
  return cfg;
}

int fail(const error& err) {
  log::error(err.message);
  return 1;
}

std::string decommission_marker(const std::string& data_dir) {
  return data_dir + "/decommissioned";
}

/// The node's configuration with the cluster's runtime settings on top.
runtime_config runtime_config_of(const options& opts, const config& cfg) {
  return runtime_config{cfg, [opts](const std::vector<std::string>& extra) {
                          auto with = opts;
                          with.overrides.insert(with.overrides.end(),
                                                extra.begin(), extra.end());
                          return effective_config(with);
                        }};
}

/// Bearer-token checks as configured (a gate that allows everything when
/// `auth.enabled` is false).
expected<http::access_gate> access_gate_of(const config& cfg) {
  if (!cfg.auth.enabled)
    return http::access_gate{};
  std::string pem;
  if (auto& file = cfg.auth.public_key_file; !file.empty()) {
    std::ifstream in{file};
    if (!in)
      return make_error(ec::not_found,
                        "auth.public_key_file: cannot read " + file);
    pem.assign(std::istreambuf_iterator<char>{in}, {});
  }
  auto verifier = token_verifier::make(cfg.auth.secret, pem);
  if (!verifier)
    return make_error(ec::invalid_argument,
                      "auth: " + verifier.error().message);
  return http::access_gate{std::move(*verifier), cfg.middleman.join_token};
}

} // namespace

void block_stop_signals() {
  // sendfile() and splice() into a socket the client has closed raise
  // SIGPIPE (they take no MSG_NOSIGNAL); a node must see EPIPE instead of
  // dying with every connection it serves.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int run_proxy(const options& opts) {
  log::set_node("proxy");
  auto cfg = node_config(opts);
  if (!cfg)
    return fail(cfg.error());
  auto& host = cfg->cluster.host;
  auto gate = access_gate_of(*cfg);
  if (!gate)
    return fail(gate.error());
  auto id = node_id(cfg->cluster.data_dir, "proxy");
  if (!id)
    return fail(id.error());
  http::server srv{server_options_of(*cfg)};
  auto http_port = srv.listen(host, cfg->proxy.http_port);
  if (!http_port)
    return fail(http_port.error());
  auto runtime = runtime_config_of(opts, *cfg);
  cluster_view view; // outlives the actors that write it
  system_config scfg{*cfg};
  caf::actor_system sys{scfg};
  auto& seen_as = cfg->cluster.advertised();
  node_info self_info{*id,
                      "http://" + seen_as + ":" + std::to_string(*http_port),
                      seen_as, cfg->proxy.caf_port, 0};
  auto proxy_handle
      = sys.spawn(proxy, self_info, cfg->cluster.data_dir + "/cluster.json",
                  &view, cfg->middleman.join_token);
  auto caf_port = publish_node(proxy_handle, cfg->proxy.caf_port, host);
  if (!caf_port) {
    log::error("cannot publish the proxy on ", host, ":", cfg->proxy.caf_port,
               ": ", sys.render(caf_port.error()));
    caf::anon_send_exit(proxy_handle, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto backend = make_proxy_backend(sys, proxy_handle);
  metrics::init(*id);
  srv.serve(http::with_metrics(http::make_proxy_handler(
      {&*cfg, &runtime, &view, backend.get(), nullptr, &*gate})));
  log::info("proxy ", *id, " serving http://", seen_as, ":", *http_port,
            " (targets join at ", seen_as, ":", *caf_port, ")");
  auto sig = wait_for_stop_signal();
  log::info("stopping (signal ", sig, ")");
  arm_shutdown_watchdog();
  srv.stop();
  caf::anon_send_exit(proxy_handle, caf::exit_reason::user_shutdown);
  return 0;
}

int run_target(const options& opts) {
  auto cfg = node_config(opts);
  if (!cfg)
    return fail(cfg.error());
  auto& host = cfg->cluster.host;
  auto colon = opts.proxy.rfind(':');
  if (opts.proxy.empty() || colon == std::string::npos)
    return fail(make_error(ec::invalid_argument,
                           "a target needs --proxy HOST:PORT (the proxy's "
                           "caf_port)"));
  auto proxy_host = opts.proxy.substr(0, colon);
  uint16_t proxy_port = 0;
  try {
    proxy_port = static_cast<uint16_t>(std::stoi(opts.proxy.substr(colon + 1)));
  } catch (...) {
    return fail(
        make_error(ec::invalid_argument, "invalid --proxy " + opts.proxy));
  }
  auto gate = access_gate_of(*cfg);
  if (!gate)
    return fail(gate.error());
  auto id = node_id(cfg->cluster.data_dir, "target");
  if (!id)
    return fail(id.error());
  if (std::filesystem::exists(decommission_marker(cfg->cluster.data_dir))) {
    log::error("this target (", *id, ") was decommissioned; remove ",
               decommission_marker(cfg->cluster.data_dir),
               " to let it join a cluster again");
    return decommissioned_exit_code;
  }
  log::set_node("t[" + *id + "]");
  auto mountpaths = opts.mountpaths;
  if (mountpaths.empty())
    mountpaths.push_back(cfg->cluster.data_dir + "/mp1");
  object_store store{mountpaths};
  if (auto r = store.init(); !r)
    return fail(r.error());
  http::server srv{server_options_of(*cfg)};
  auto http_port = srv.listen(host, cfg->target.http_port);
  if (!http_port)
    return fail(http_port.error());
  auto url = opts.public_url.empty() ? "http://" + cfg->cluster.advertised()
                                           + ":" + std::to_string(*http_port)
                                     : opts.public_url;
  auto runtime = runtime_config_of(opts, *cfg);
  // These outlive the actor system: actors use them until they are gone.
  job_board jobs;
  advice_board board;
  cluster_view view;
  span_registry spans{max_peer_spans, peer_span_ttl};
  http::span_handoff_server handoff{spans};
  if (auto name = handoff.start())
    spans.set_handoff(*name);
  else
    log::warn(name.error().message, "; peer spans go over HTTP only");
  system_config scfg{*cfg};
  caf::actor_system sys{scfg};
  archive::shard_limits limits;
  limits.max_member_bytes = cfg->shards.max_member_bytes;
  limits.max_ratio = cfg->shards.max_ratio;
  auto marker = decommission_marker(cfg->cluster.data_dir);
  // Once decommissioned: remember it, so that a restart does not join
  // again, and stop.
  std::function<void()> decommissioned{[marker] {
    std::ofstream{marker} << "decommissioned\n";
    ::kill(::getpid(), SIGTERM);
  }};
  auto target_handle = sys.spawn(target, limits, cfg->shards.member_cache_bytes,
                                 proxy_host, proxy_port, &store, &spans, &view,
                                 cfg->middleman.join_token, decommissioned);
  auto caf_port = publish_node(target_handle, cfg->target.caf_port, host);
  if (!caf_port) {
    log::error("cannot publish the target: ", sys.render(caf_port.error()));
    caf::anon_send_exit(target_handle, caf::exit_reason::user_shutdown);
    return 1;
  }
  http::target_context ctx;
  ctx.cfg = &*cfg;
  ctx.runtime = &runtime;
  ctx.jobs = &jobs;
  ctx.self_id = *id;
  ctx.view = &view;
  ctx.store = &store;
  ctx.spans = &spans;
  auto batches = make_batch_backend(sys, target_handle,
                                    work_item_services{&jobs, &board});
  ctx.batches = batches.get();
  http::rebalancer rebalance{&store, &view, *id, cfg->middleman.join_token};
  ctx.rebalance = &rebalance;
  ctx.gate = &*gate;
  auto sampler = std::make_shared<load_sampler>(mountpaths);
  auto* backend_ptr = batches.get();
  auto& gb = cfg->get_batch;
  auto throttle_handle = sys.spawn(
      throttle, std::function<load_sample()>{[sampler, backend_ptr] {
        return sampler->sample(backend_ptr->active());
      }},
      std::function<load_marks()>{[&runtime, &view] {
        return load_marks_of(runtime.with(view.current()->settings)->get_batch);
      }},
      &board, gb.load_interval);
  ctx.advice = &board;
  metrics::init(*id);
  srv.serve(http::with_metrics(http::make_target_handler(ctx)));
  caf::anon_send(target_handle, atom::start_v,
                 node_info{*id, url, cfg->cluster.advertised(), *caf_port, 0});
  log::info("target ", *id, " serving ", url, " with ", mountpaths.size(),
            " mountpath(s); joining ", opts.proxy);
  auto sig = wait_for_stop_signal();
  log::info("stopping (signal ", sig, ")");
  arm_shutdown_watchdog();
  srv.stop();
  caf::anon_send_exit(throttle_handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(target_handle, caf::exit_reason::user_shutdown);
  return std::filesystem::exists(marker) ? decommissioned_exit_code : 0;
}

} // namespace moss::app
