#include "app/cluster_map_client.hpp"
#include "app/node.hpp"
#include "core/log.hpp"
#include "http/client.hpp"

#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

namespace moss::app {

namespace {

struct child {
  std::string name;
  std::vector<std::string> args;
  pid_t pid = -1;
  int restarts = 0;
};

pid_t spawn_child(const char* exe, const child& c) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe));
  for (auto& a : c.args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::execv(exe, argv.data());
    std::fprintf(stderr, "cannot exec %s: %s\n", exe, std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

/// Number of targets in the proxy's map, or -1 if the proxy does not answer.
int joined_targets(const std::string& proxy_url) {
  auto map = fetch_cluster_map(proxy_url, std::chrono::seconds(2));
  return map ? static_cast<int>((*map)["tmap"].MemberCount()) : -1;
}

void print_targets(const std::string& proxy_url) {
  auto map = fetch_cluster_map(proxy_url);
  if (!map)
    return;
  for (auto& t : (*map)["tmap"].GetObject())
    std::printf("  target %s  %s\n", t.name.GetString(),
                t.value["public_net"]["direct_url"].GetString());
}

} // namespace

int run_cluster(const options& opts, const char* self_exe) {
  log::set_node("cluster");
  auto cfg = effective_config(opts);
  if (!cfg) {
    log::error(cfg.error().message);
    return 1;
  }
  log::set_level(cfg->log_level);
  auto& cc = cfg->cluster;
  if (cfg->proxy.http_port == 0 || cfg->proxy.caf_port == 0) {
    log::error("moss cluster needs fixed proxy ports (proxy.http_port and "
               "proxy.caf_port)");
    return 1;
  }
  auto data_dir = std::filesystem::absolute(cc.data_dir).lexically_normal();
  std::filesystem::create_directories(data_dir);
  // Children get the same config file and overrides, then their own roles.
  std::vector<std::string> common;
  if (!opts.config_file.empty())
    common.insert(common.end(), {"--config", opts.config_file});
  for (auto& o : opts.overrides)
    common.insert(common.end(), {"--set", o});
  common.insert(common.end(), {"--host", cc.host});
  auto http_port = cfg->proxy.http_port;
  std::vector<child> children;
  child proxy_child{"proxy", common};
  proxy_child.args.insert(proxy_child.args.begin(), "proxy");
  proxy_child.args.insert(proxy_child.args.end(),
                          {"--data-dir", (data_dir / "proxy").string(),
                           "--port", std::to_string(http_port), "--caf-port",
                           std::to_string(cfg->proxy.caf_port)});
  children.push_back(proxy_child);
  for (int i = 1; i <= cc.targets; ++i) {
    auto dir = data_dir / ("target-" + std::to_string(i));
    child t{"target-" + std::to_string(i), common};
    t.args.insert(t.args.begin(), "target");
    t.args.insert(t.args.end(),
                  {"--data-dir", dir.string(), "--proxy",
                   cc.host + ":" + std::to_string(cfg->proxy.caf_port),
                   "--port", std::to_string(http_port + 1 + i)});
    for (int m = 1; m <= cc.mountpaths_per_target; ++m)
      t.args.insert(
          t.args.end(),
          {"--mountpath", (dir / ("mp" + std::to_string(m))).string()});
    children.push_back(t);
  }
  for (auto& c : children)
    c.pid = spawn_child(self_exe, c);
  auto proxy_url = "http://" + cc.host + ":" + std::to_string(http_port);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int joined = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    joined = joined_targets(proxy_url);
    if (joined == cc.targets)
      break;
    int status = 0;
    if (::waitpid(-1, &status, WNOHANG) > 0) {
      log::error("a node exited during start-up; see its log above");
      for (auto& c : children)
        ::kill(c.pid, SIGTERM);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (joined != cc.targets)
    log::warn("only ", joined, " of ", cc.targets, " targets joined so far");
  std::printf("\nmoss cluster is up: %d target(s), data in %s\n", joined,
              data_dir.c_str());
  std::printf("  endpoint  %s   (AIS_ENDPOINT=%s)\n", proxy_url.c_str(),
              proxy_url.c_str());
  print_targets(proxy_url);
  std::printf("Press Ctrl-C to stop the cluster.\n\n");
  std::fflush(stdout);
  // Supervise: restart children that die, stop all on SIGINT/SIGTERM.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGCHLD)
      break;
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto& c : children) {
        if (c.pid != pid)
          continue;
        if (WIFEXITED(status)
            && WEXITSTATUS(status) == decommissioned_exit_code) {
          log::info(c.name, " was decommissioned; not restarting it");
          c.pid = -1;
          continue;
        }
        if (c.restarts >= 5) {
          log::error(c.name, " keeps dying; not restarting it again");
          c.pid = -1;
          continue;
        }
        ++c.restarts;
        log::warn(c.name, " exited (status ", status, "); restarting");
        std::this_thread::sleep_for(std::chrono::seconds(1));
        c.pid = spawn_child(self_exe, c);
      }
    }
  }
  std::printf("\nstopping the cluster...\n");
  for (auto& c : children)
    if (c.pid > 0)
      ::kill(c.pid, SIGTERM);
  auto stop_deadline
      = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (auto& c : children) {
    while (c.pid > 0) {
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid)
        break;
      if (std::chrono::steady_clock::now() > stop_deadline) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::printf("stopped; data kept in %s\n", data_dir.c_str());
  return 0;
}

} // namespace moss::app
