#include "config/config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace moss {

extern const char* const embedded_default_config;

const std::string& default_config_json() {
  static const std::string json = embedded_default_config;
  return json;
}

namespace {

using rapidjson::Value;

error bad(const std::string& what) {
  return make_error(ec::invalid_argument, "config: " + what);
}

bool same_kind(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber())
    return true;
  if (a.IsBool() && b.IsBool())
    return true;
  return a.GetType() == b.GetType();
}

expected<void> merge(Value& base, const Value& patch, const std::string& path,
                     rapidjson::Document::AllocatorType& alloc) {
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    std::string key{it->name.GetString(), it->name.GetStringLength()};
    auto full = path.empty() ? key : path + "." + key;
    auto found = base.FindMember(it->name);
    if (found == base.MemberEnd())
      return bad("unknown key \"" + full + "\"");
    if (!same_kind(found->value, it->value))
      return bad("wrong type for \"" + full + "\"");
    if (found->value.IsObject()) {
      if (auto r = merge(found->value, it->value, full, alloc); !r)
        return r;
    } else {
      found->value.CopyFrom(it->value, alloc);
    }
  }
  return {};
}

expected<void> apply_override(rapidjson::Document& doc,
                              const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    return bad("override \"" + assignment + "\" is not key=value");
  auto key = assignment.substr(0, eq);
  auto text = assignment.substr(eq + 1);
  Value* node = &doc;
  std::istringstream parts{key};
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!node->IsObject())
      return bad("unknown key \"" + key + "\"");
    auto found = node->FindMember(part.c_str());
    if (found == node->MemberEnd())
      return bad("unknown key \"" + key + "\"");
    node = &found->value;
  }
  auto& alloc = doc.GetAllocator();
  if (node->IsString()) {
    node->SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()),
                    alloc);
  } else if (node->IsBool()) {
    if (text != "true" && text != "false")
      return bad("\"" + key + "\" must be true or false, not \"" + text + "\"");
    node->SetBool(text == "true");
  } else if (node->IsNumber()) {
    int64_t value = 0;
    auto [end, err]
        = std::from_chars(text.data(), text.data() + text.size(), value);
    if (err != std::errc{} || end != text.data() + text.size())
      return bad("\"" + key + "\" must be an integer, not \"" + text + "\"");
    node->SetInt64(value);
  } else {
    return bad("\"" + key + "\" is a section, not a value");
  }
  return {};
}

/// Reads typed values out of the merged document, collecting the first error.
class reader {
 public:
  explicit reader(const Value& root) : root_(root) {
    // nop
  }

  const Value& at(const std::string& key) {
    const Value* node = &root_;
    std::istringstream parts{key};
    std::string part;
    while (std::getline(parts, part, '.'))
      node = &(*node)[part.c_str()];
    return *node;
  }

  template <class T>
  void integer(const std::string& key, T& out, int64_t lo, int64_t hi) {
    auto& v = at(key);
    if (!v.IsInt64() || v.GetInt64() < lo || v.GetInt64() > hi)
      fail("\"" + key + "\" must be an integer in [" + std::to_string(lo) + ", "
           + std::to_string(hi) + "]");
    else
      out = static_cast<T>(v.GetInt64());
  }

  void string(const std::string& key, std::string& out) {
    out = at(key).GetString();
  }

  void boolean(const std::string& key, bool& out) {
    auto& v = at(key);
    if (!v.IsBool())
      fail("\"" + key + "\" must be true or false");
    else
      out = v.GetBool();
  }

  void span(const std::string& key, duration& out, duration lo, duration hi) {
    auto parsed = parse_duration(at(key).GetString());
    if (!parsed)
      fail("\"" + key + "\": " + parsed.error().message);
    else if (*parsed < lo || *parsed > hi)
      fail("\"" + key + "\" must be between " + std::to_string(lo.count())
           + " ms and " + std::to_string(hi.count()) + " ms");
    else
      out = *parsed;
  }

  void fail(const std::string& what) {
    if (!failed_)
      error_ = bad(what);
    failed_ = true;
  }

  bool failed() const { return failed_; }
  const error& first_error() const { return error_; }

 private:
  const Value& root_;
  bool failed_ = false;
  error error_;
};

} // namespace

expected<duration> parse_duration(const std::string& text) {
  int64_t value = 0;
  auto [end, err]
      = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc{} || value < 0)
    return make_error(ec::invalid_argument,
                      "invalid duration \"" + text + "\" (try 10s or 500ms)");
  std::string unit{end, text.data() + text.size()};
  if (unit == "ms")
    return duration{value};
  if (unit == "s" || unit.empty())
    return duration{value * 1000};
  if (unit == "m")
    return duration{value * 60'000};
  if (unit == "h")
    return duration{value * 3'600'000};
  return make_error(ec::invalid_argument,
                    "invalid duration \"" + text + "\" (try 10s or 500ms)");
}

expected<config> parse_config(const std::string& json,
                              const std::vector<std::string>& overrides) {
  rapidjson::Document doc;
  doc.Parse(default_config_json().c_str());
  if (!json.empty()) {
    rapidjson::Document user;
    user.Parse(json.c_str(), json.size());
    if (user.HasParseError())
      return bad(std::string{"invalid JSON at offset "}
                 + std::to_string(user.GetErrorOffset()) + ": "
                 + rapidjson::GetParseError_En(user.GetParseError()));
    if (!user.IsObject())
      return bad("the top level must be a JSON object");
    if (auto r = merge(doc, user, "", doc.GetAllocator()); !r)
      return r.error();
  }
  for (auto& assignment : overrides)
    if (auto r = apply_override(doc, assignment); !r)
      return r.error();
  config cfg;
  reader rd{doc};
  constexpr int64_t port_max = 65535;
  rd.string("log_level", cfg.log_level);
  if (cfg.log_level != "debug" && cfg.log_level != "info"
      && cfg.log_level != "warn" && cfg.log_level != "error")
    rd.fail("\"log_level\" must be debug, info, warn or error");
  rd.string("cluster.data_dir", cfg.cluster.data_dir);
  rd.integer("cluster.targets", cfg.cluster.targets, 1, 64);
  rd.integer("cluster.mountpaths_per_target", cfg.cluster.mountpaths_per_target,
             1, 16);
  rd.string("cluster.host", cfg.cluster.host);
  rd.string("cluster.advertise_host", cfg.cluster.advertise_host);
  rd.integer("proxy.http_port", cfg.proxy.http_port, 0, port_max);
  rd.integer("proxy.caf_port", cfg.proxy.caf_port, 0, port_max);
  rd.integer("target.http_port", cfg.target.http_port, 0, port_max);
  rd.integer("target.caf_port", cfg.target.caf_port, 0, port_max);
  rd.integer("http.max_json_body", cfg.http.max_json_body, 1024,
             int64_t{1} << 34);
  rd.integer("http.max_object_size", cfg.http.max_object_size, 0,
             int64_t{1} << 50);
  rd.integer("http.max_drain_bytes", cfg.http.max_drain_bytes, 0,
             int64_t{1} << 50);
  rd.span("http.read_timeout", cfg.http.read_timeout, duration{100},
          duration{3'600'000});
  rd.span("http.write_timeout", cfg.http.write_timeout, duration{100},
          duration{3'600'000});
  rd.span("http.idle_timeout", cfg.http.idle_timeout, duration{100},
          duration{3'600'000});
  rd.integer("http.max_connections", cfg.http.max_connections, 1, 100000);
  std::string zero_copy;
  rd.string("http.zero_copy", zero_copy);
  if (zero_copy == "auto")
    cfg.http.zero_copy = zero_copy_mode::automatic;
  else if (zero_copy == "always")
    cfg.http.zero_copy = zero_copy_mode::always;
  else if (zero_copy == "never")
    cfg.http.zero_copy = zero_copy_mode::never;
  else
    rd.fail("\"http.zero_copy\" must be auto, always or never, not \""
            + zero_copy + "\"");
  rd.span("middleman.heartbeat_interval", cfg.middleman.heartbeat_interval,
          duration{100}, duration{60'000});
  rd.span("middleman.connection_timeout", cfg.middleman.connection_timeout,
          duration{200}, duration{600'000});
  rd.string("middleman.app_identifier", cfg.middleman.app_identifier);
  rd.string("middleman.join_token", cfg.middleman.join_token);
  rd.string("middleman.tls_certificate", cfg.middleman.tls_certificate);
  rd.string("middleman.tls_key", cfg.middleman.tls_key);
  rd.string("middleman.tls_ca_file", cfg.middleman.tls_ca_file);
  rd.boolean("auth.enabled", cfg.auth.enabled);
  rd.string("auth.secret", cfg.auth.secret);
  rd.string("auth.public_key_file", cfg.auth.public_key_file);
  rd.integer("list.max_page_size", cfg.list.max_page_size, 1, 1'000'000);
  rd.integer("shards.max_member_bytes", cfg.shards.max_member_bytes, 1,
             int64_t{1} << 44);
  rd.integer("shards.max_ratio", cfg.shards.max_ratio, 1, 1'000'000);
  rd.integer("shards.member_cache_bytes", cfg.shards.member_cache_bytes, 0,
             int64_t{1} << 40);
  auto& gb = cfg.get_batch;
  rd.span("get_batch.max_wait", gb.max_wait, duration{1000}, duration{60'000});
  rd.integer("get_batch.warmup_workers", gb.warmup_workers, -1, 10);
  rd.integer("get_batch.max_soft_errs", gb.max_soft_errs, 0, 1'000'000);
  rd.integer("get_batch.max_gfn", gb.max_gfn, -1, 1'000'000);
  rd.integer("get_batch.max_entries", gb.max_entries, 1, 10'000'000);
  rd.integer("get_batch.window_bytes", gb.window_bytes, 1 << 20,
             int64_t{1} << 40);
  rd.integer("get_batch.window_entries", gb.window_entries, 1, 1'000'000);
  rd.integer("get_batch.chunk_bytes", gb.chunk_bytes, 4096, 16 << 20);
  rd.boolean("get_batch.peer_spans", gb.peer_spans);
  rd.boolean("get_batch.span_handoff", gb.span_handoff);
  rd.integer("get_batch.pending_high_wm", gb.pending_high_wm, 1, 1'000'000);
  rd.integer("get_batch.pending_critical_wm", gb.pending_critical_wm, 1,
             1'000'000);
  rd.integer("get_batch.memory_high_pct", gb.memory_high_pct, 1, 100);
  rd.integer("get_batch.memory_critical_pct", gb.memory_critical_pct, 1, 100);
  rd.span("get_batch.throttle_sleep", gb.throttle_sleep, duration{0},
          duration{10'000});
  rd.span("get_batch.load_interval", gb.load_interval, duration{10},
          duration{60'000});
  if (rd.failed())
    return rd.first_error();
  if (gb.pending_high_wm > gb.pending_critical_wm)
    return bad("\"get_batch.pending_high_wm\" must not exceed "
               "\"get_batch.pending_critical_wm\"");
  // AIStore's rules: 0 selects the default; max_gfn <= max_soft_errs.
  if (gb.max_soft_errs == 0)
    gb.max_soft_errs = 8;
  if (gb.warmup_workers == 0)
    gb.warmup_workers = -1;
  if (gb.max_gfn == 0)
    gb.max_gfn = std::min(5, gb.max_soft_errs);
  if (gb.max_gfn > gb.max_soft_errs)
    return bad("\"get_batch.max_gfn\" must not exceed "
               "\"get_batch.max_soft_errs\"");
  if (cfg.auth.enabled && cfg.auth.secret.empty()
      && cfg.auth.public_key_file.empty())
    return bad("\"auth.enabled\" needs \"auth.secret\" (HS256) or "
               "\"auth.public_key_file\" (RS256) to check tokens with");
  if (cfg.auth.enabled && cfg.middleman.join_token.empty())
    return bad("\"auth.enabled\" needs \"middleman.join_token\": nodes sign "
               "their requests to each other with it");
  if (auto& mm = cfg.middleman;
      (mm.tls_certificate.empty() != mm.tls_key.empty())
      || (mm.tls_certificate.empty() != mm.tls_ca_file.empty()))
    return bad("TLS between nodes needs all of \"middleman.tls_certificate\", "
               "\"middleman.tls_key\" and \"middleman.tls_ca_file\"");
  if (cfg.cluster.data_dir.empty())
    return bad("\"cluster.data_dir\" must not be empty");
  return cfg;
}

load_marks load_marks_of(const get_batch_config& gb) {
  load_marks marks;
  marks.pending_high = gb.pending_high_wm;
  marks.pending_critical = gb.pending_critical_wm;
  marks.memory_high_pct = gb.memory_high_pct;
  marks.memory_critical_pct = gb.memory_critical_pct;
  marks.high_sleep_ms = static_cast<uint32_t>(gb.throttle_sleep.count());
  return marks;
}

expected<config> load_config(const std::string& path,
                             const std::vector<std::string>& overrides) {
  if (path.empty())
    return parse_config({}, overrides);
  std::ifstream in{path};
  if (!in)
    return make_error(ec::not_found, "config: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), overrides);
}

} // namespace moss
