#include "core/jobs.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <chrono>

namespace moss {

namespace {

template <class Jobs>
auto find_job(Jobs& jobs, const std::string& uuid) {
  return std::find_if(jobs.begin(), jobs.end(), [&](const job_view& j) {
    return j.uuid == uuid;
  });
}

} // namespace

int64_t unix_time_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

void job_board::publish(const job_view& v) {
  std::lock_guard guard{mtx_};
  auto it = find_job(live_, v.uuid);
  if (it == live_.end()) {
    live_.push_back(v);
    return;
  }
  auto archive_bytes = it->archive_bytes;
  auto rx_wait = it->rx_wait_ns;
  *it = v;
  it->archive_bytes = archive_bytes;
  it->rx_wait_ns = rx_wait;
}

void job_board::add_transfer(const std::string& uuid, uint64_t archive_bytes,
                             uint64_t rx_wait_ns) {
  std::lock_guard guard{mtx_};
  if (auto it = find_job(live_, uuid); it != live_.end()) {
    it->archive_bytes += archive_bytes;
    it->rx_wait_ns += rx_wait_ns;
    return;
  }
  // The work item may already be done while the last bytes go out.
  if (auto it = find_job(recent_, uuid); it != recent_.end()) {
    it->archive_bytes += archive_bytes;
    it->rx_wait_ns += rx_wait_ns;
  }
}

void job_board::retire(const job_view& v) {
  std::lock_guard guard{mtx_};
  auto final_view = v;
  if (auto it = find_job(live_, v.uuid); it != live_.end()) {
    final_view.archive_bytes = it->archive_bytes;
    final_view.rx_wait_ns = it->rx_wait_ns;
    live_.erase(it);
  }
  recent_.push_front(std::move(final_view));
  while (recent_.size() > keep_recent_)
    recent_.pop_back();
}

std::vector<job_view> job_board::active() const {
  std::lock_guard guard{mtx_};
  auto out = live_;
  auto now = unix_time_ms();
  for (auto& j : out)
    j.seconds = static_cast<double>(now - j.started_ms) / 1000.0;
  return out;
}

std::vector<job_view> job_board::recent() const {
  std::lock_guard guard{mtx_};
  return {recent_.begin(), recent_.end()};
}

void write_job_json(json_writer& w, const job_view& v) {
  auto u = [](uint64_t x) {
    return static_cast<int64_t>(x);
  };
  w.begin_object();
  w.key("uuid").string(v.uuid);
  w.key("state").string(v.state);
  w.key("format").string(v.format);
  w.key("streaming").boolean(v.streaming);
  w.key("entries").integer(v.entries);
  w.key("cursor").integer(v.cursor);
  w.key("payload_bytes").integer(u(v.payload_bytes));
  w.key("archive_bytes").integer(u(v.archive_bytes));
  w.key("window_bytes").integer(u(v.window_bytes));
  w.key("reserved_bytes").integer(u(v.reserved_bytes));
  w.key("serializer_bytes").integer(u(v.serializer_bytes));
  w.key("peak_window_bytes").integer(u(v.peak_window_bytes));
  w.key("rx_wait_ns").integer(u(v.rx_wait_ns));
  w.key("throttle_ns").integer(u(v.throttle_ns));
  w.key("soft_errors").integer(v.soft_errors);
  w.key("gfn_attempts").integer(v.gfn_attempts);
  w.key("started_ms").integer(v.started_ms);
  w.key("seconds").number(v.seconds);
  if (!v.error.empty())
    w.key("error").string(v.error);
  w.key("fetches").begin_array();
  for (auto& f : v.fetches) {
    w.begin_object();
    w.key("target").string(f.target);
    w.key("entries").integer(f.entries);
    w.key("delivered").integer(f.delivered);
    w.key("inflight").integer(f.inflight);
    w.key("lost").boolean(f.lost);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

} // namespace moss
