#include "app/node.hpp"
#include "app/options.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  using namespace moss::app;
  // Entry data moves in buffers of up to 1 MiB. By default glibc maps each
  // such buffer fresh and unmaps it on free, so every byte costs a page
  // fault; keeping them on the heap lets the next buffer reuse the pages.
  // The work item's window bounds how much that is.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // glibc gives each thread that meets contention an arena of its own (up
  // to 8 per core), and each grows on first use: a fresh node faulted in
  // tens of MB per batch for its first batches, until every arena had seen
  // a full window (a page fault costs about 13 us on a virtual machine).
  // One arena per core keeps contention low and warms up in one or two
  // batches.
  mallopt(M_ARENA_MAX,
          static_cast<int>(std::max(2L, ::sysconf(_SC_NPROCESSORS_ONLN))));
  auto opts = parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "moss: %s\n\n%s", opts.error().message.c_str(), usage);
    return 2;
  }
  auto& cmd = opts->command;
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::puts("moss " MOSS_VERSION);
    return 0;
  }
  if (cmd == "show")
    return run_show(*opts);
  if (cmd == "config")
    return run_config(*opts);
  if (cmd == "put")
    return run_put(*opts);
  if (cmd == "ls")
    return run_ls(*opts);
  if (cmd == "get-batch")
    return run_get_batch(*opts);
  if (cmd == "rebalance")
    return run_rebalance(*opts);
  if (cmd == "target" && !opts->positional.empty()
      && opts->positional[0] == "decommission")
    return run_decommission(*opts);
  block_stop_signals();
  if (cmd == "proxy")
    return run_proxy(*opts);
  if (cmd == "target")
    return run_target(*opts);
  if (cmd == "cluster") {
    char exe[4096];
    auto n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
      std::fprintf(stderr, "moss: cannot find its own executable\n");
      return 1;
    }
    exe[n] = '\0';
    return run_cluster(*opts, exe);
  }
  std::fprintf(stderr, "moss: unknown command \"%s\"\n\n%s", cmd.c_str(),
               usage);
  return 2;
}
