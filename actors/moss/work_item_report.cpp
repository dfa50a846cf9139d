#include "actors/moss/work_item_report.hpp"

#include "core/batch.hpp"
#include "core/json.hpp"
#include "core/metrics.hpp"

#include <atomic>

namespace moss {

namespace {

std::atomic<size_t> live_work_items{0};

const char* state_name(const work_item_state& st) {
  if (st.failed)
    return "failed";
  if (st.finished)
    return "done";
  if (st.checking)
    return "checking";
  if (st.paused)
    return "throttled";
  return "running";
}

} // namespace

job_view job_of(const work_item_state& st) {
  job_view v;
  if (!st.plan)
    return v;
  v.uuid = st.plan->uuid;
  v.state = state_name(st);
  v.format = extension(st.plan->req.format);
  v.streaming = st.plan->req.strm;
  v.entries = static_cast<uint32_t>(st.entries.size());
  v.cursor = st.cursor;
  v.payload_bytes = st.payload_handed;
  v.window_bytes = st.held;
  v.reserved_bytes = st.reserved;
  v.serializer_bytes = st.in_serializer;
  v.peak_window_bytes = st.peak_held;
  v.throttle_ns = st.throttle_ns;
  v.soft_errors = st.soft_errors;
  v.gfn_attempts = st.gfn_attempts;
  v.started_ms = st.started_ms;
  std::chrono::duration<double> age
      = std::chrono::steady_clock::now() - st.started;
  v.seconds = age.count();
  for (auto& t : st.targets)
    if (t.owned > 0)
      v.fetches.push_back({t.id, t.owned, t.delivered, t.inflight, t.lost});
  return v;
}

void publish(const work_item_state& st) {
  if (st.services.jobs != nullptr && st.plan)
    st.services.jobs->publish(job_of(st));
}

void retire(work_item_state& st, std::string error) {
  if (st.services.jobs == nullptr || !st.plan)
    return;
  auto v = job_of(st);
  v.error = std::move(error);
  if (!v.error.empty())
    v.state = "failed";
  st.services.jobs->retire(v);
  st.services.jobs = nullptr;
}

void report_window(work_item_state& st) {
  auto now = st.failed || st.finished ? 0 : static_cast<int64_t>(st.held);
  metrics::add_window_bytes(now - st.reported_window);
  st.reported_window = now;
}

void report_outcome(work_item_state& st, bool failed) {
  if (st.outcome_reported || !st.plan)
    return;
  st.outcome_reported = true;
  metrics::batch_outcome o;
  o.failed = failed;
  auto& in = st.plan->req.entries;
  for (size_t i = 0; i < st.entries.size(); ++i) {
    auto& e = st.entries[i];
    if (e.missing || !e.complete || e.total == 0)
      continue;
    if (in[i].archpath.empty()) {
      ++o.objects;
      o.object_bytes += e.total;
    } else {
      ++o.files;
      o.file_bytes += e.total;
    }
  }
  o.soft_errors = static_cast<uint64_t>(st.soft_errors);
  o.gfn_attempts = static_cast<uint64_t>(st.gfn_attempts);
  o.gfn_errors = static_cast<uint64_t>(st.gfn_errors);
  std::chrono::duration<double> took
      = std::chrono::steady_clock::now() - st.started;
  o.seconds = took.count();
  metrics::record_batch(o);
  st.held = 0;
  report_window(st);
}

work_item_state::~work_item_state() {
  retire(*this, failed || finished ? std::string{}
                                   : std::string{"cancelled: the client went "
                                                 "away or the node stopped"});
  report_outcome(*this, true);
  held = 0;
  report_window(*this);
}

work_item_census::work_item_census() {
  ++live_work_items;
}

work_item_census::~work_item_census() {
  --live_work_items;
}

size_t work_item_census::live() {
  return live_work_items.load();
}

const std::string& missing_reason(const work_item_state& st, uint32_t idx) {
  static const std::string unknown = "not found";
  auto it = st.errors.find(idx);
  return it == st.errors.end() ? unknown : it->second;
}

std::string batch_metadata(const work_item_state& st) {
  auto& plan = *st.plan;
  auto& entries = st.entries;
  json_writer w;
  w.begin_object();
  w.key("uuid").string(plan.uuid);
  w.key("out").begin_array();
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& in = plan.req.entries[i];
    auto& e = entries[i];
    w.begin_object();
    w.key("objname").string(in.objname);
    if (!in.archpath.empty())
      w.key("archpath").string(in.archpath);
    w.key("bucket").string(in.bucket);
    w.key("provider").string(in.provider);
    if (e.missing)
      w.key("err_msg").string(missing_reason(st, static_cast<uint32_t>(i)));
    if (in.has_opaque)
      w.key("opaque").string(base64_encode(in.opaque));
    w.key("size").integer(e.missing ? 0 : static_cast<int64_t>(e.total));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

} // namespace moss
