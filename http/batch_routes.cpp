#include "http/batch_routes.hpp"

#include "core/hrw.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/sign.hpp"
#include "http/common_routes.hpp"
#include "http/span_collector.hpp"
#include "http/status.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <unordered_map>

namespace moss::http {

namespace {

std::string random_text(size_t n, std::string_view alphabet) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string s(n, ' ');
  for (auto& c : s)
    c = alphabet[rng() % alphabet.size()];
  return s;
}

struct parsed_batch {
  batch_plan plan;
  int coloc = 0;
  /// SHA-256 hex of the request body (when tokens are checked), which a
  /// signed redirect is bound to.
  std::string body_digest;
};

/// `query` plus `param` (either may be empty).
std::string with_param(const std::string& query, const std::string& param) {
  if (param.empty())
    return query;
  return query.empty() ? param : query + "&" + param;
}

/// Reads, parses and validates a GetBatch request against `map`; fills in
/// each entry's owner.
expected<parsed_batch> read_batch(exchange& ex, const request_target& target,
                                  const config& cfg, const cluster_map& map,
                                  const access_gate* gate) {
  if (ex.method() != "GET")
    return make_error(ec::method_not_allowed,
                      "GetBatch takes GET, not " + ex.method());
  auto& seg = target.segments;
  if (seg.size() > 4 || seg[2] != "moss")
    return make_error(ec::invalid_argument,
                      "expected /v1/ml/moss or /v1/ml/moss/<bucket>");
  std::string url_bucket = seg.size() == 4 ? seg[3] : std::string{};
  parsed_batch out;
  if (auto c = target.param("coloc"); !c.empty()) {
    if (c != "0" && c != "1" && c != "2")
      return make_error(ec::invalid_argument,
                        "coloc must be 0, 1 or 2, not \"" + c + "\"");
    out.coloc = c[0] - '0';
  }
  auto body = ex.read_body(cfg.http.max_json_body);
  if (!body)
    return body.error();
  auto req = parse_batch_request(*body, url_bucket, target.param("provider"),
                                 cfg.get_batch.max_entries);
  if (!req)
    return req.error();
  // Every bucket the entries name, each once, in order of appearance.
  std::vector<const batch_entry*> buckets;
  std::unordered_map<std::string, bool> checked;
  const batch_entry* previous = nullptr;
  for (auto& e : req->entries) {
    // Neighbours mostly share a bucket: no key to build for them.
    if (previous != nullptr && previous->bucket == e.bucket
        && previous->provider == e.provider)
      continue;
    previous = &e;
    if (checked.emplace(e.provider + "://" + e.bucket, true).second)
      buckets.push_back(&e);
  }
  if (gate != nullptr && gate->enabled()) {
    out.body_digest = sha256_hex(*body);
    std::vector<std::string> names;
    for (auto* e : buckets)
      names.push_back(e->bucket);
    if (auto allowed
        = gate->require(ex, target, names, access::read, out.body_digest);
        !allowed)
      return allowed.error();
  }
  for (auto* e : buckets)
    if (e->provider != "ais" || !map.has_bucket(e->bucket))
      return make_error(ec::not_found, "bucket " + e->provider + "://"
                                           + e->bucket + " does not exist");
  if (map.targets.empty())
    return make_error(ec::unavailable, "the cluster has no targets");
  out.plan.owners.reserve(req->entries.size());
  for (auto& e : req->entries)
    out.plan.add_owner(map.owner(object_uname("ais", e.bucket, e.objname))->id);
  out.plan.req = std::move(*req);
  for (auto& t : map.targets) {
    std::string_view url = t.http_url;
    if (url.rfind("http://", 0) == 0)
      out.plan.target_addresses[t.id] = std::string{url.substr(7)};
  }
  return out;
}

/// The designated target: spread for coloc=0, the owner of most entries
/// otherwise.
const node_info& pick_dt(const parsed_batch& batch, const cluster_map& map) {
  if (batch.coloc == 0) {
    static std::atomic<uint64_t> counter{0};
    auto tie = std::to_string(counter++);
    return *map.owner(tie);
  }
  auto& plan = batch.plan;
  std::vector<size_t> votes(plan.owner_ids.size());
  uint16_t best = plan.owners.front();
  for (auto owner : plan.owners)
    if (++votes[owner] > votes[best])
      best = owner;
  return *map.find_target(plan.owner_ids[best]);
}

/// A temp file that disappears when closed.
/// Appends `p` to the spool file: bytes, or a file span copied in the
/// kernel.
bool spool_piece(int fd, const piece& p) {
  if (!p.file)
    return write_all(fd, p.bytes.data(), p.bytes.size());
  auto off = static_cast<off_t>(p.file->offset());
  auto left = p.file->length();
  while (left > 0) {
    auto n = ::copy_file_range(p.file->fd(), &off, fd, nullptr,
                               static_cast<size_t>(left), 0);
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0) {
      errno = EIO; // the file shrank under us
      return false;
    }
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS)
      return false;
    // No kernel copy between these file systems: through memory.
    std::string buf(std::min<uint64_t>(left, 1 << 20), '\0');
    auto got = ::pread(
        p.file->fd(), buf.data(),
        static_cast<size_t>(std::min<uint64_t>(left, buf.size())), off);
    if (got <= 0) {
      errno = got == 0 ? EIO : errno;
      return false;
    }
    if (!write_all(fd, buf.data(), static_cast<size_t>(got)))
      return false;
    off += got;
    left -= static_cast<uint64_t>(got);
  }
  return true;
}

int open_spool(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
  auto path = dir + "/spool-XXXXXX";
  fd = ::mkstemp(path.data());
  if (fd >= 0)
    ::unlink(path.c_str());
  return fd;
}

} // namespace

void serve_batch_on_proxy(exchange& ex, const request_target& target,
                          const proxy_context& ctx) {
  auto map = ctx.view->current();
  auto cfg = config_in_force(ctx.cfg, ctx.runtime, *map);
  auto batch = read_batch(ex, target, *cfg, *map, ctx.gate);
  if (!batch)
    return reply_denied(ex, batch.error());
  auto& dt = pick_dt(*batch, *map);
  std::string path = ex.target().substr(0, ex.target().find('?'));
  auto signature
      = ctx.gate == nullptr
            ? std::string{}
            : ctx.gate->sign_redirect("GET", path, batch->body_digest);
  redirect(ex, dt.http_url, path, with_param(target.raw_query, signature));
}

void serve_batch_on_target(exchange& ex, const request_target& target,
                           const target_context& ctx) {
  auto started = std::chrono::steady_clock::now();
  auto first_byte = [started] {
    std::chrono::duration<double> took
        = std::chrono::steady_clock::now() - started;
    metrics::record_ttfb(took.count());
  };
  auto map = ctx.view->current();
  auto cfg = config_in_force(ctx.cfg, ctx.runtime, *map);
  auto& gb = cfg->get_batch;
  auto batch = read_batch(ex, target, *cfg, *map, ctx.gate);
  if (!batch)
    return reply_denied(ex, batch.error());
  if (ctx.advice != nullptr) {
    // Admission: the sampled load, with the live count of work items.
    auto sample = ctx.advice->last_sample();
    sample.pending = ctx.batches->active();
    auto advice = advise(sample, load_marks_of(gb));
    if (advice.level == load_level::critical) {
      metrics::record_rejected();
      return reply_error(ex, 429,
                         "GetBatch refused: target is overloaded ("
                             + advice.reason + "); retry later",
                         {{"Retry-After", "1"}});
    }
    if (advice.sleep_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(advice.sleep_ms));
      metrics::add_throttle_ns(uint64_t{advice.sleep_ms} * 1'000'000);
    }
  }
  auto& plan = batch->plan;
  plan.uuid = "gbt-" + random_text(12, "abcdefghijklmnopqrstuvwxyz0123456789");
  auto streaming = plan.req.strm;
  auto fmt = plan.req.format;
  auto count = plan.req.entries.size();
  auto uuid = plan.uuid;
  auto batch_cfg = gb;
  // Peer spans cross the plain HTTP port: not where nodes agreed on TLS.
  batch_cfg.peer_spans = gb.peer_spans && !cfg->middleman.tls();
  auto stream = ctx.batches->start(
      std::make_shared<const batch_plan>(std::move(plan)), batch_cfg);
  // No single pull may take longer than every retry of one entry.
  auto timeout = gb.max_wait * (std::max(gb.max_gfn, 0) + 2);
  auto first = stream->pull(timeout);
  if (!first)
    return reply_error(ex, first.error());
  if (streaming) {
    if (!ex.begin_chunked(200, {{"Content-Type", content_type(fmt)}}))
      return;
    auto chunk = std::move(first);
    bool counted = false;
    for (;;) {
      if (!ex.write_chunk(chunk->parts)) {
        log::info("batch ", uuid, ": client went away");
        return;
      }
      if (!counted && chunk->size() > 0) {
        counted = true;
        first_byte();
      }
      if (chunk->done)
        break;
      chunk = stream->pull(timeout);
      if (!chunk) {
        // Too late for a status: make the failure visible by cutting the
        // transfer instead of ending a well-formed but short archive.
        log::warn("batch ", uuid,
                  " failed mid-stream: ", chunk.error().message);
        return ex.abort();
      }
    }
    ex.end_chunked();
    log::debug("batch ", uuid, ": streamed ", count, " entries");
    return;
  }
  // Buffered: spool the archive to disk (bounded memory), then answer
  // multipart/mixed with the metadata first.
  auto spool_dir = ctx.store->mountpaths().front() + "/.moss/tmp";
  int fd = open_spool(spool_dir);
  if (fd < 0)
    return reply_error(ex, 500,
                       std::string{"cannot create a spool file: "}
                           + std::strerror(errno));
  uint64_t size = 0;
  auto chunk = std::move(first);
  // The spool is a file: it never makes the collector wait.
  auto read_ms = static_cast<int>(ctx.cfg->http.read_timeout.count());
  span_collector peers{read_ms, read_ms};
  for (;;) {
    bool spooled = true;
    for (auto& part : chunk->parts) {
      std::string why;
      if (part.peer && !peers.copy(*part.peer, fd, why)) {
        ::close(fd);
        return reply_error(ex, 502, "cannot collect entry bytes: " + why);
      }
      spooled = spooled && (part.peer || spool_piece(fd, part));
    }
    if (!spooled) {
      ::close(fd);
      return reply_error(ex, 507,
                         "cannot spool the archive: "
                             + std::string{std::strerror(errno)});
    }
    size += chunk->size();
    if (chunk->done)
      break;
    chunk = stream->pull(timeout);
    if (!chunk) {
      ::close(fd);
      return reply_error(ex, chunk.error());
    }
  }
  auto boundary = random_text(60, "0123456789abcdef");
  std::string prefix = "--" + boundary
                       + "\r\nContent-Disposition: form-data; "
                         "name=\"metadata\"\r\nContent-Type: "
                         "application/json\r\n\r\n"
                       + chunk->metadata + "\n\r\n--" + boundary
                       + "\r\nContent-Disposition: form-data; "
                         "name=\"archive\"; filename=\"get-batch["
                       + uuid
                       + "]\"\r\nContent-Type: application/octet-stream"
                         "\r\n\r\n";
  std::string suffix = "\r\n--" + boundary + "--\r\n";
  first_byte();
  header_list headers{
      {"Content-Type", "multipart/mixed; boundary=" + boundary}};
  ex.respond_file(200, headers, fd, 0, size, prefix, suffix);
  ::close(fd);
}

} // namespace moss::http
