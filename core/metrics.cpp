#include "core/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

namespace moss::metrics {

namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

struct state {
  std::shared_ptr<prometheus::Registry> registry
      = std::make_shared<prometheus::Registry>();
  std::map<std::string, std::string> labels;
  Counter* getbatch = nullptr;
  Counter* obj_count = nullptr;
  Counter* file_count = nullptr;
  Counter* obj_bytes = nullptr;
  Counter* file_bytes = nullptr;
  Counter* gfn_count = nullptr;
  Counter* rxwait_ns = nullptr;
  Counter* throttle_ns = nullptr;
  Counter* err = nullptr;
  Counter* err_soft = nullptr;
  Counter* err_gfn = nullptr;
  Counter* rejected = nullptr;
  Counter* shard_reads = nullptr;
  Counter* span_handoffs = nullptr;
  Counter* fetch_requests = nullptr;
  Counter* fetch_entries = nullptr;
  Histogram* latency = nullptr;
  Histogram* ttfb = nullptr;
  Gauge* window = nullptr;
  prometheus::Family<Counter>* http_count = nullptr;
  prometheus::Family<Histogram>* http_latency = nullptr;
  std::mutex mtx;
};

state& the() {
  static state s;
  return s;
}

Counter* counter(state& s, const std::string& name, const std::string& help) {
  return &prometheus::BuildCounter()
              .Name(name)
              .Help(help)
              .Labels(s.labels)
              .Register(*s.registry)
              .Add({});
}

Histogram::BucketBoundaries seconds_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10,   30};
}

} // namespace

void init(const std::string& node_id) {
  auto& s = the();
  std::lock_guard guard{s.mtx};
  if (s.getbatch != nullptr)
    return;
  auto id = node_id;
  std::replace(id.begin(), id.end(), '.', '_');
  s.labels = {{"node_id", id}};
  s.getbatch = counter(s, "ais_target_getbatch_count",
                       "GetBatch work items finished on this node (as DT)");
  s.obj_count = counter(s, "ais_target_getbatch_obj_count",
                        "Whole objects delivered by GetBatch (size > 0)");
  s.file_count = counter(s, "ais_target_getbatch_file_count",
                         "Files from shards delivered by GetBatch (size > 0)");
  s.obj_bytes = counter(s, "ais_target_getbatch_obj_bytes",
                        "Bytes of whole objects delivered by GetBatch");
  s.file_bytes = counter(s, "ais_target_getbatch_file_bytes",
                         "Bytes of files from shards delivered by GetBatch");
  s.gfn_count = counter(s, "ais_target_getbatch_gfn_count",
                        "GetBatch get-from-neighbor attempts");
  s.rxwait_ns = counter(s, "ais_target_getbatch_rxwait_ns",
                        "Time connections waited for the next entry (ns)");
  s.throttle_ns = counter(s, "ais_target_getbatch_throttle_ns",
                          "Time GetBatch admission and work items paused on "
                          "load advice (ns)");
  s.err = counter(s, "ais_target_err_getbatch_count",
                  "Failed GetBatch work items and rejected requests");
  s.err_soft = counter(s, "ais_target_err_soft_getbatch_count",
                       "Missing entries turned into placeholders");
  s.err_gfn = counter(s, "ais_target_err_gfn_getbatch_count",
                      "Failed get-from-neighbor attempts");
  s.shard_reads = counter(s, "moss_getbatch_shard_reads_total",
                          "Shards read (and decompressed) to extract files");
  s.span_handoffs = counter(s, "moss_peer_span_handoffs_total",
                            "Peer spans handed to a designated target on this "
                            "host as open descriptors");
  s.fetch_requests = counter(s, "moss_getbatch_fetch_requests_total",
                             "Fetch requests GetBatch work items sent to "
                             "owning targets (entries and existence checks)");
  s.fetch_entries = counter(s, "moss_getbatch_fetch_entries_total",
                            "Entries named by those fetch requests (an entry "
                            "fetched in parts counts once per part)");
  s.rejected = counter(s, "moss_getbatch_rejected_total",
                       "GetBatch requests refused with 429 (overload)");
  s.latency = &prometheus::BuildHistogram()
                   .Name("moss_getbatch_duration_seconds")
                   .Help("Lifetime of GetBatch work items")
                   .Labels(s.labels)
                   .Register(*s.registry)
                   .Add({}, seconds_buckets());
  s.ttfb = &prometheus::BuildHistogram()
                .Name("moss_getbatch_ttfb_seconds")
                .Help("Time from a GetBatch request to its first archive byte")
                .Labels(s.labels)
                .Register(*s.registry)
                .Add({}, seconds_buckets());
  s.window = &prometheus::BuildGauge()
                  .Name("moss_getbatch_window_bytes")
                  .Help("Bytes GetBatch work items hold ahead of their cursor")
                  .Labels(s.labels)
                  .Register(*s.registry)
                  .Add({});
  s.http_count = &prometheus::BuildCounter()
                      .Name("moss_http_requests_total")
                      .Help("HTTP requests by method, route and status")
                      .Labels(s.labels)
                      .Register(*s.registry);
  s.http_latency = &prometheus::BuildHistogram()
                        .Name("moss_http_request_duration_seconds")
                        .Help("HTTP request durations by method and route")
                        .Labels(s.labels)
                        .Register(*s.registry);
}

void record_batch(const batch_outcome& o) {
  auto& s = the();
  if (s.getbatch == nullptr)
    return;
  s.getbatch->Increment();
  if (o.failed)
    s.err->Increment();
  s.obj_count->Increment(static_cast<double>(o.objects));
  s.obj_bytes->Increment(static_cast<double>(o.object_bytes));
  s.file_count->Increment(static_cast<double>(o.files));
  s.file_bytes->Increment(static_cast<double>(o.file_bytes));
  s.err_soft->Increment(static_cast<double>(o.soft_errors));
  s.gfn_count->Increment(static_cast<double>(o.gfn_attempts));
  s.err_gfn->Increment(static_cast<double>(o.gfn_errors));
  s.latency->Observe(o.seconds);
}

void add_shard_read() {
  if (auto* c = the().shard_reads)
    c->Increment();
}

void add_span_handoff() {
  if (auto* c = the().span_handoffs)
    c->Increment();
}

void add_fetch_request(size_t entries) {
  auto& s = the();
  if (s.fetch_requests == nullptr)
    return;
  s.fetch_requests->Increment();
  s.fetch_entries->Increment(static_cast<double>(entries));
}

void record_rejected() {
  auto& s = the();
  if (s.rejected == nullptr)
    return;
  s.rejected->Increment();
  s.err->Increment();
}

void add_throttle_ns(uint64_t ns) {
  if (auto* c = the().throttle_ns)
    c->Increment(static_cast<double>(ns));
}

void record_ttfb(double seconds) {
  if (auto* h = the().ttfb)
    h->Observe(seconds);
}

void add_rx_wait_ns(uint64_t ns) {
  if (auto* c = the().rxwait_ns)
    c->Increment(static_cast<double>(ns));
}

void add_window_bytes(int64_t delta) {
  if (auto* g = the().window)
    g->Increment(static_cast<double>(delta));
}

void record_http(const std::string& method, const std::string& route,
                 int status, double seconds) {
  auto& s = the();
  if (s.http_count == nullptr)
    return;
  s.http_count
      ->Add({{"method", method},
             {"route", route},
             {"code", std::to_string(status)}})
      .Increment();
  s.http_latency->Add({{"method", method}, {"route", route}}, seconds_buckets())
      .Observe(seconds);
}

std::vector<std::pair<std::string, double>> getbatch_counters() {
  auto& s = the();
  std::vector<std::pair<std::string, double>> out;
  if (s.getbatch == nullptr)
    return out;
  std::pair<const char*, Counter*> counters[] = {
      {"getbatch", s.getbatch},
      {"obj_count", s.obj_count},
      {"file_count", s.file_count},
      {"obj_bytes", s.obj_bytes},
      {"file_bytes", s.file_bytes},
      {"gfn", s.gfn_count},
      {"rxwait_ns", s.rxwait_ns},
      {"throttle_ns", s.throttle_ns},
      {"errors", s.err},
      {"soft_errors", s.err_soft},
      {"gfn_errors", s.err_gfn},
      {"rejected", s.rejected},
      {"shard_reads", s.shard_reads},
  };
  for (auto& [name, c] : counters)
    out.emplace_back(name, c->Value());
  out.emplace_back("window_bytes", s.window->Value());
  return out;
}

std::string render() {
  return prometheus::TextSerializer{}.Serialize(the().registry->Collect());
}

} // namespace moss::metrics
