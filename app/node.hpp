#pragma once

#include "app/options.hpp"

namespace moss::app {

/// Runs a proxy until SIGINT/SIGTERM; returns the process exit code.
int run_proxy(const options& opts);

/// What a decommissioned target exits with (the launcher does not restart
/// it).
constexpr int decommissioned_exit_code = 3;

/// Runs a target until SIGINT/SIGTERM; returns the process exit code.
int run_target(const options& opts);

/// Runs a local cluster (proxy + targets as child processes) until
/// SIGINT/SIGTERM; returns the process exit code.
int run_cluster(const options& opts, const char* self_exe);

/// `moss show cluster [ENDPOINT]`: prints the cluster map and each
/// target's live work items.
int run_show(const options& opts);

/// `moss config show|set`: the cluster-wide runtime settings.
int run_config(const options& opts);

/// `moss put DIR ais://BUCKET`: parallel upload with progress.
int run_put(const options& opts);

/// `moss ls ais://BUCKET`: the bucket's objects.
int run_ls(const options& opts);

/// `moss get-batch ais://BUCKET --list FILE -o OUT`: one GetBatch into a
/// file, with progress.
int run_get_batch(const options& opts);

/// `moss rebalance`: moves every object to its owner, with progress.
int run_rebalance(const options& opts);

/// `moss target decommission ID`: out of placement, objects moved off,
/// then out of the cluster (the target stops).
int run_decommission(const options& opts);

/// Blocks SIGINT/SIGTERM in every thread created afterwards and ignores
/// SIGPIPE; call first.
void block_stop_signals();

/// Waits for SIGINT or SIGTERM and returns its number.
int wait_for_stop_signal();

} // namespace moss::app
