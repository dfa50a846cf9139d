#include "config/runtime.hpp"

#include "core/json.hpp"

#include <map>

namespace moss {

namespace {

std::string duration_text(duration d) {
  auto ms = d.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

} // namespace

void write_get_batch_json(json_writer& w, const get_batch_config& gb) {
  w.begin_object();
  w.key("max_wait").string(duration_text(gb.max_wait));
  w.key("warmup_workers").integer(gb.warmup_workers);
  w.key("max_soft_errs").integer(gb.max_soft_errs);
  w.key("max_gfn").integer(gb.max_gfn);
  w.key("max_entries").integer(gb.max_entries);
  w.key("window_bytes").integer(static_cast<int64_t>(gb.window_bytes));
  w.key("window_entries").integer(gb.window_entries);
  w.key("chunk_bytes").integer(gb.chunk_bytes);
  w.key("peer_spans").boolean(gb.peer_spans);
  w.key("span_handoff").boolean(gb.span_handoff);
  w.key("pending_high_wm").integer(gb.pending_high_wm);
  w.key("pending_critical_wm").integer(gb.pending_critical_wm);
  w.key("memory_high_pct").integer(gb.memory_high_pct);
  w.key("memory_critical_pct").integer(gb.memory_critical_pct);
  w.key("throttle_sleep").string(duration_text(gb.throttle_sleep));
  w.key("load_interval").string(duration_text(gb.load_interval));
  w.end_object();
}

bool is_runtime_key(const std::string& key) {
  // The sampling interval belongs to the throttle actor, fixed at start.
  return key.rfind("get_batch.", 0) == 0 && key != "get_batch.load_interval";
}

expected<std::vector<std::string>>
merge_runtime_overrides(const std::vector<std::string>& current,
                        const std::vector<std::string>& assignments) {
  std::map<std::string, std::string> merged;
  auto add = [&](const std::string& assignment) -> expected<void> {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(ec::invalid_argument,
                        "\"" + assignment + "\" is not key=value");
    auto key = assignment.substr(0, eq);
    if (!is_runtime_key(key))
      return make_error(ec::invalid_argument,
                        "\"" + key
                            + "\" cannot change while the cluster runs (only "
                              "get_batch settings other than load_interval "
                              "can; set the others in the config file)");
    merged[key] = assignment.substr(eq + 1);
    return {};
  };
  for (auto& a : current)
    if (auto r = add(a); !r)
      return r.error();
  for (auto& a : assignments)
    if (auto r = add(a); !r)
      return r.error();
  std::vector<std::string> out;
  for (auto& [key, value] : merged)
    out.push_back(key + "=" + value);
  return out;
}

runtime_config::runtime_config(config base, builder build)
    : base_(std::make_shared<const config>(std::move(base))),
      build_(std::move(build)), cached_(base_) {
  // nop
}

std::shared_ptr<const config>
runtime_config::with(const std::vector<std::string>& overrides) const {
  std::lock_guard guard{mtx_};
  if (overrides == cached_overrides_)
    return cached_;
  auto built = overrides.empty() ? expected<config>{*base_} : build_(overrides);
  cached_overrides_ = overrides;
  cached_ = built ? std::make_shared<const config>(std::move(*built)) : base_;
  return cached_;
}

expected<void>
runtime_config::check(const std::vector<std::string>& overrides) const {
  for (auto& a : overrides)
    if (!is_runtime_key(a.substr(0, a.find('='))))
      return make_error(ec::invalid_argument,
                        "\"" + a + "\" cannot change at runtime");
  auto built = build_(overrides);
  if (!built)
    return built.error();
  return {};
}

} // namespace moss
