// The client commands of `moss`: put, ls and get-batch.

#include "app/cluster_map_client.hpp"
#include "app/node.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/client.hpp"

namespace moss::app {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

/// `ais://bucket` (or a bare bucket name) -> bucket.
expected<std::string> bucket_of(const std::string& uri) {
  auto name = uri.rfind("ais://", 0) == 0 ? uri.substr(6) : uri;
  while (!name.empty() && name.back() == '/')
    name.pop_back();
  if (name.empty() || name.find('/') != std::string::npos)
    return make_error(ec::invalid_argument,
                      "expected ais://BUCKET, not \"" + uri + "\"");
  return name;
}

std::string endpoint_of(const options& opts) {
  return opts.endpoint.empty() ? endpoint_argument({}, 0) : opts.endpoint;
}

/// A progress line on stderr: redrawn in place on a terminal, one line every
/// few seconds otherwise (logs, CI).
class progress_line {
 public:
  progress_line(std::string what, uint64_t total)
      : what_(std::move(what)), total_(total), tty_(::isatty(2) != 0),
        started_(clock_type::now()), last_(started_) {
    // nop
  }

  void update(uint64_t done, uint64_t bytes, bool final = false) {
    auto now = clock_type::now();
    auto every = tty_ ? std::chrono::milliseconds(200)
                      : std::chrono::milliseconds(2000);
    if (!final && now - last_ < every)
      return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - started_).count();
    // Without a known total: no bar, just the count.
    std::string count = std::to_string(done);
    if (total_ > 0) {
      std::string bar(20, '.');
      auto filled
          = static_cast<size_t>(std::min<uint64_t>(20, 20 * done / total_));
      bar.replace(0, filled, filled, '#');
      count = "[" + bar + "] " + count + "/" + std::to_string(total_);
    }
    std::fprintf(
        stderr, "%s%s %s, %s, %.0f %s/s, %s/s, %.1fs%s", tty_ ? "\r" : "",
        count.c_str(), what_.c_str(),
        human_bytes(static_cast<double>(bytes)).c_str(),
        secs > 0 ? static_cast<double>(done) / secs : 0.0, what_.c_str(),
        human_bytes(secs > 0 ? static_cast<double>(bytes) / secs : 0).c_str(),
        secs, tty_ && !final ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  std::string what_;
  uint64_t total_;
  bool tty_;
  clock_type::time_point started_;
  clock_type::time_point last_;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "moss: %s\n", message.c_str());
  return 1;
}

int usage_error(const char* usage) {
  std::fprintf(stderr, "usage: %s\n", usage);
  return 2;
}

} // namespace

int run_put(const options& opts) {
  const char* synopsis = "moss put DIR ais://BUCKET [--workers N] "
                         "[--endpoint URL]";
  if (opts.positional.size() != 2)
    return usage_error(synopsis);
  auto dir = fs::path(opts.positional[0]);
  auto bucket = bucket_of(opts.positional[1]);
  if (!bucket)
    return fail(bucket.error().message);
  std::error_code err;
  if (!fs::is_directory(dir, err))
    return fail(dir.string() + " is not a directory");
  std::vector<std::pair<std::string, std::string>> files; // name, path
  for (auto it = fs::recursive_directory_iterator(dir, err);
       !err && it != fs::recursive_directory_iterator(); it.increment(err))
    if (it->is_regular_file())
      files.emplace_back(fs::relative(it->path(), dir).generic_string(),
                         it->path().string());
  if (err)
    return fail("cannot read " + dir.string() + ": " + err.message());
  std::sort(files.begin(), files.end());
  auto endpoint = endpoint_of(opts);
  client::cluster_client admin{endpoint};
  auto exists = admin.has_bucket(*bucket);
  if (!exists)
    return fail(exists.error().message);
  if (!*exists) {
    if (auto r = admin.create_bucket(*bucket); !r)
      return fail(r.error().message);
    std::fprintf(stderr, "created ais://%s\n", bucket->c_str());
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> failed{0};
  std::mutex failures_mtx;
  std::vector<std::string> failures;
  auto work = [&] {
    client::cluster_client c{endpoint};
    for (size_t i = next++; i < files.size(); i = next++) {
      auto& [name, path] = files[i];
      if (auto r = c.put_file(*bucket, name, path); !r) {
        std::lock_guard guard{failures_mtx};
        failures.push_back(name + ": " + r.error().message);
        ++failed;
        continue;
      }
      bytes += fs::file_size(path, err);
      ++done;
    }
  };
  progress_line progress{"files", files.size()};
  std::vector<std::thread> workers;
  for (int i = 0; i < opts.workers; ++i)
    workers.emplace_back(work);
  // Every file ends done or failed, so this wait ends.
  while (done + failed < files.size()) {
    progress.update(done, bytes);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : workers)
    t.join();
  progress.update(done, bytes, true);
  for (auto& f : failures)
    std::fprintf(stderr, "moss: failed: %s\n", f.c_str());
  if (!failures.empty())
    return fail(std::to_string(failures.size()) + " of "
                + std::to_string(files.size()) + " files failed");
  std::printf("put %zu files (%s) into ais://%s\n", files.size(),
              human_bytes(static_cast<double>(bytes)).c_str(), bucket->c_str());
  return 0;
}

int run_ls(const options& opts) {
  if (opts.positional.size() != 1)
    return usage_error("moss ls ais://BUCKET [--prefix P] [--endpoint URL]");
  auto bucket = bucket_of(opts.positional[0]);
  if (!bucket)
    return fail(bucket.error().message);
  client::cluster_client c{endpoint_of(opts)};
  auto entries = c.list(*bucket, opts.prefix);
  if (!entries)
    return fail(entries.error().message);
  uint64_t total = 0;
  std::printf("%-60s %12s\n", "NAME", "SIZE");
  for (auto& e : *entries) {
    std::printf("%-60s %12s\n", e.name.c_str(),
                human_bytes(static_cast<double>(e.size)).c_str());
    total += e.size;
  }
  std::printf("%zu objects, %s\n", entries->size(),
              human_bytes(static_cast<double>(total)).c_str());
  return 0;
}

int run_get_batch(const options& opts) {
  const char* synopsis = "moss get-batch ais://BUCKET --list FILE -o OUT "
                         "[--format tar|tgz|zip|tar.lz4] [--coer] "
                         "[--endpoint URL]";
  if (opts.positional.size() != 1 || opts.list_file.empty()
      || opts.output.empty())
    return usage_error(synopsis);
  auto bucket = bucket_of(opts.positional[0]);
  if (!bucket)
    return fail(bucket.error().message);
  std::ifstream list{opts.list_file};
  if (!list)
    return fail("cannot read " + opts.list_file);
  std::vector<client::batch_entry> entries;
  std::string line;
  while (std::getline(list, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    // Names may hold spaces: a tab separates the archpath.
    client::batch_entry e;
    auto tab = line.find('\t');
    e.objname = line.substr(0, tab);
    if (tab != std::string::npos)
      e.archpath = line.substr(tab + 1);
    entries.push_back(std::move(e));
  }
  if (entries.empty())
    return fail(opts.list_file + " names no entries");
  auto tmp = opts.output + ".part";
  std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
  if (!out)
    return fail("cannot write " + tmp);
  client::batch_options bo;
  bo.format = opts.format;
  bo.continue_on_error = opts.continue_on_error;
  uint64_t bytes = 0;
  progress_line progress{"entries", entries.size()};
  auto started = clock_type::now();
  client::cluster_client c{endpoint_of(opts)};
  auto r = c.get_batch(
      *bucket, entries, bo, [&](const char* data, size_t n) -> expected<void> {
        out.write(data, static_cast<std::streamsize>(n));
        if (!out)
          return make_error(ec::io_error, "cannot write " + tmp);
        bytes += n;
        progress.update(0, bytes);
        return {};
      });
  out.close();
  if (!r || !out) {
    std::remove(tmp.c_str());
    return fail(r ? "cannot write " + opts.output : r.error().message);
  }
  if (std::rename(tmp.c_str(), opts.output.c_str()) != 0)
    return fail("cannot rename " + tmp + " to " + opts.output);
  progress.update(entries.size(), bytes, true);
  double secs
      = std::chrono::duration<double>(clock_type::now() - started).count();
  std::printf("%zu entries, %s in %.2f s (%.0f entries/s) -> %s\n",
              entries.size(), human_bytes(static_cast<double>(bytes)).c_str(),
              secs, secs > 0 ? static_cast<double>(entries.size()) / secs : 0,
              opts.output.c_str());
  return 0;
}

namespace {

/// Starts a rebalance on every target and follows it to the end.
int rebalance_and_wait(const std::string& endpoint) {
  auto started = call_json("POST", endpoint, "/v1/cluster/rebalance");
  if (!started)
    return fail(started.error().message);
  std::fprintf(stderr, "rebalance started on %u target(s)\n",
               (*started)["targets"].GetArray().Size());
  // Each poll reads every target's progress; the pass ends on its own, the
  // deadline only guards against a target that stopped answering.
  progress_line progress{"objects", 0};
  auto deadline = clock_type::now() + std::chrono::hours(24);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto report = call_json("GET", endpoint, "/v1/cluster/rebalance");
    if (!report)
      return fail(report.error().message);
    bool running = false;
    uint64_t scanned = 0, moved = 0, superseded = 0, failed = 0, bytes = 0;
    std::string errors;
    for (auto& t : (*report)["targets"].GetArray()) {
      if (!t.HasMember("progress")) {
        errors += std::string{"\n  "} + t["id"].GetString() + ": "
                  + t["error"].GetString();
        continue;
      }
      auto& p = t["progress"];
      running = running || p["running"].GetBool();
      scanned += static_cast<uint64_t>(p["scanned"].GetInt64());
      moved += static_cast<uint64_t>(p["moved"].GetInt64());
      superseded += static_cast<uint64_t>(p["superseded"].GetInt64());
      failed += static_cast<uint64_t>(p["failed"].GetInt64());
      bytes += static_cast<uint64_t>(p["moved_bytes"].GetInt64());
      if (p.HasMember("last_error"))
        errors += std::string{"\n  "} + t["id"].GetString() + ": "
                  + p["last_error"].GetString();
    }
    progress.update(moved, bytes, !running);
    if (!running || clock_type::now() > deadline) {
      std::printf("rebalance done: %llu objects looked at, %llu moved (%s), "
                  "%llu already newer at their owner, %llu failed\n",
                  static_cast<unsigned long long>(scanned),
                  static_cast<unsigned long long>(moved),
                  human_bytes(static_cast<double>(bytes)).c_str(),
                  static_cast<unsigned long long>(superseded),
                  static_cast<unsigned long long>(failed));
      if (failed > 0 || !errors.empty())
        return fail("some objects did not move:" + errors);
      return 0;
    }
  }
}

} // namespace

int run_rebalance(const options& opts) {
  if (!opts.positional.empty())
    return usage_error("moss rebalance [--endpoint URL]");
  return rebalance_and_wait(endpoint_of(opts));
}

int run_decommission(const options& opts) {
  if (opts.positional.size() != 2)
    return usage_error("moss target decommission ID [--endpoint URL]");
  auto& id = opts.positional[1];
  auto endpoint = endpoint_of(opts);
  auto left
      = call_json("POST", endpoint, "/v1/cluster/decommission?node=" + id);
  if (!left)
    return fail(left.error().message);
  std::fprintf(stderr,
               "target %s is out of placement (map v%lld); moving its "
               "objects to the others\n",
               id.c_str(),
               static_cast<long long>((*left)["map_version"].GetInt64()));
  if (int rc = rebalance_and_wait(endpoint); rc != 0) {
    std::fprintf(stderr,
                 "moss: target %s keeps serving what it still holds; run "
                 "this command again to finish\n",
                 id.c_str());
    return rc;
  }
  auto removed = call_json("POST", endpoint, "/v1/cluster/remove?node=" + id);
  if (!removed)
    return fail(removed.error().message);
  std::printf("target %s is decommissioned: its objects live on the other "
              "targets and it has stopped\n",
              id.c_str());
  return 0;
}

} // namespace moss::app
