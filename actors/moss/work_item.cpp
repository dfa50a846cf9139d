#include "actors/moss/work_item.hpp"

#include "actors/error.hpp"
#include "actors/moss/work_item_report.hpp"
#include "archive/writer.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/names.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const moss::batch_plan>)

namespace moss {

namespace {

using wi_ptr = work_item_actor::stateful_pointer<work_item_state>;

/// Entries per fetch request: tiny objects cost one message per group.
constexpr size_t max_items_per_request = 1024;
/// Entries a target is asked for in its first request; each answer doubles
/// it (up to `max_items_per_request`). A small first request comes back
/// soon, so the first byte goes out after a few entries are read, not after
/// a thousand.
constexpr size_t first_request_items = 16;
/// Entries per existence check (strict streaming mode): each target checks
/// a batch in parallel parts, one per fetch worker.
constexpr size_t max_items_per_stat = 256;
constexpr size_t max_items_per_shard_stat = 4096;
/// Check parts in flight per target (it has 8 fetch workers); the rest wait
/// in `fetch_target::check_parts`, as entry numbers only: a part in flight
/// names its entries in full, twice (request and answer), which for a batch
/// of 100,000 entries sent at once was more memory than the batch itself.
constexpr int max_check_parts_in_flight = 8;
/// Fetch requests in flight per target.
constexpr int max_inflight = 2;
/// Times an entry starts over when its object changes while it is read.
constexpr uint8_t max_entry_restarts = 3;
/// Smallest data budget worth a request.
constexpr uint64_t min_budget = 64 * 1024;
/// How far past the cursor the warm-up pools look (entries), and how many
/// entries one hint names.
constexpr uint32_t warm_span = 256;
constexpr size_t max_warm_items = 64;

void flush(wi_ptr self);
void pump(wi_ptr self);
void warm_ahead(wi_ptr self);

void fail(wi_ptr self, error err) {
  auto& st = self->state;
  if (st.failed || st.finished)
    return;
  st.failed = true;
  report_outcome(self->state, true);
  retire(st, err.message);
  log::info("batch ", st.plan->uuid, " failed: ", err.message);
  self->send(st.serializer, atom::fail_v, to_caf_error(err));
  for (auto& e : st.entries)
    e.chunks.clear();
  self->quit();
}

/// The next target to ask for entry `idx` after a "not found", or -1.
int next_holder(work_item_state& st, uint32_t idx) {
  auto& e = st.entries[idx];
  for (uint32_t slot = 0; slot < st.targets.size() && slot < 64; ++slot) {
    if ((e.tried >> slot) & 1u || st.targets[slot].lost)
      continue;
    e.tried |= uint64_t{1} << slot;
    return static_cast<int>(slot);
  }
  return -1;
}

/// Moves entry `idx` into the queue of target `slot` (in request order).
void move_entry(work_item_state& st, uint32_t idx, uint32_t slot) {
  auto& e = st.entries[idx];
  if (e.target == slot)
    return;
  auto& from = st.targets[e.target];
  if (auto it = std::lower_bound(from.queue.begin(), from.queue.end(), idx);
      it != from.queue.end() && *it == idx)
    from.queue.erase(it);
  --from.owned;
  auto& to = st.targets[slot];
  to.queue.insert(std::upper_bound(to.queue.begin(), to.queue.end(), idx), idx);
  ++to.owned;
  e.target = slot;
}

/// A target left (or cannot be reached): its remaining entries are missing.
void target_lost(wi_ptr self, uint32_t slot, const std::string& why) {
  auto& st = self->state;
  auto& t = st.targets[slot];
  if (t.lost)
    return;
  t.lost = true;
  log::warn("batch ", st.plan->uuid, ": target ", t.id, " ", why);
  for (auto idx : t.queue) {
    auto& e = st.entries[idx];
    if (e.complete)
      continue;
    if (e.header_sent)
      return fail(self,
                  make_error(ec::unavailable, "target " + t.id + " " + why
                                                  + " while sending an entry"));
    for (auto& c : e.chunks)
      st.held -= c.size();
    e.chunks.clear();
    e.missing = true;
    e.complete = true;
    st.errors.insert_or_assign(idx, "target " + t.id + " " + why);
    ++t.delivered;
  }
  t.queue.clear();
  flush(self);
  pump(self);
}

/// A fetch request came back (answered or not): its budget and entries are
/// free again; whatever arrived is accounted separately.
void settle_request(work_item_state& st, fetch_target& t,
                    const std::vector<uint32_t>& items, uint64_t budget) {
  --t.inflight;
  st.held -= budget;
  st.reserved -= budget;
  for (auto idx : items)
    st.entries[idx].requested = false;
}

/// The bytes of `r` as they came: in the message, a local file span, or a
/// span its target holds for this node's HTTP thread to collect.
piece received_piece(fetch_result& r, const fetch_target& t, bool handoff) {
  if (r.span_token.empty())
    return {std::move(r.data), std::move(r.file), nullptr};
  return {{},
          nullptr,
          std::make_shared<const peer_span>(
              peer_span{t.address, std::move(r.span_token), r.span_length,
                        handoff ? std::move(r.span_handoff) : std::string{}})};
}

void on_reply(wi_ptr self, uint32_t slot, const std::vector<uint32_t>& items,
              uint64_t budget, fetch_reply& reply) {
  auto& st = self->state;
  if (st.failed)
    return;
  auto& t = st.targets[slot];
  settle_request(st, t, items, budget);
  t.request_items = std::min(t.request_items * 2, max_items_per_request);
  for (auto& r : reply.results) {
    if (r.index >= st.entries.size())
      return fail(self, make_error(ec::internal,
                                   "target " + t.id + " answered for entry "
                                       + std::to_string(r.index)));
    auto& e = st.entries[r.index];
    if (e.complete)
      continue; // late or duplicate
    if (r.code == ec::not_found && st.checking)
      continue; // the existence check decides where it is
    if (r.code == ec::not_found) {
      // The owner's answer is the one to report ("x in shard y").
      st.errors.try_emplace(r.index, r.error);
      if (auto next = next_holder(st, r.index); next >= 0) {
        move_entry(st, r.index, static_cast<uint32_t>(next));
        continue;
      }
      e.missing = true;
      e.complete = true;
      ++st.targets[e.target].delivered;
      continue;
    }
    if (r.code == ec::conflict && !e.header_sent
        && e.restarts < max_entry_restarts) {
      // Overwritten after its first part came: start over on the new
      // version (nothing of it reached the client yet).
      ++e.restarts;
      for (auto& c : e.chunks)
        st.held -= c.size();
      e.chunks.clear();
      e.received = 0;
      e.known = false;
      e.identity = 0;
      continue;
    }
    if (r.code != ec::no_error)
      return fail(self, make_error(r.code, r.error));
    if (r.offset != e.received)
      continue; // a stale repeat of a part we have
    if (e.received == 0)
      e.identity = r.identity;
    e.known = true;
    e.total = r.total;
    e.mtime_sec = r.mtime_sec;
    if (auto size = r.data_size(); size > 0) {
      st.held += size;
      e.received += size;
      e.chunks.push_back(received_piece(r, t, st.cfg.span_handoff));
    }
    if (r.complete || e.received >= e.total) {
      e.complete = true;
      ++t.delivered;
      t.typical_entry_bytes = e.total;
    }
  }
  while (!t.queue.empty() && st.entries[t.queue.front()].complete)
    t.queue.pop_front();
  st.peak_held = std::max(st.peak_held, st.held);
  flush(self);
  pump(self);
}

void on_fetch_error(wi_ptr self, uint32_t slot,
                    const std::vector<uint32_t>& items, uint64_t budget,
                    const caf::error& err) {
  auto& st = self->state;
  if (st.failed)
    return;
  auto& t = st.targets[slot];
  settle_request(st, t, items, budget);
  if (err == caf::sec::request_timeout) {
    // Get-from-neighbor: ask the owner again, a bounded number of times.
    if (st.cfg.max_gfn >= 0 && st.gfn_attempts < st.cfg.max_gfn) {
      ++st.gfn_attempts;
      log::warn("batch ", st.plan->uuid, ": target ", t.id,
                " did not answer within max_wait; asking again (",
                st.gfn_attempts, "/", st.cfg.max_gfn, ")");
      return pump(self);
    }
    ++st.gfn_errors;
    return fail(self, make_error(ec::timeout,
                                 "target " + t.id
                                     + " did not answer within get_batch."
                                       "max_wait, and the get-from-neighbor "
                                       "retries are used up"));
  }
  auto moss_err = from_caf_error(err);
  if (moss_err.code == ec::unavailable)
    return target_lost(self, slot, "left the cluster");
  fail(self, moss_err);
}

void send_fetch(wi_ptr self, uint32_t slot, fetch_request req) {
  auto& st = self->state;
  auto& t = st.targets[slot];
  std::vector<uint32_t> items;
  items.reserve(req.items.size());
  for (auto& item : req.items) {
    items.push_back(item.index);
    st.entries[item.index].requested = true;
  }
  auto budget = req.budget;
  st.held += budget;
  st.reserved += budget;
  ++t.inflight;
  metrics::add_fetch_request(items.size());
  self->request(t.handle, st.cfg.max_wait, atom::fetch_v, std::move(req))
      .then(
          [self, slot, items, budget](fetch_reply& reply) {
            on_reply(self, slot, items, budget, reply);
          },
          [self, slot, items, budget](caf::error& err) {
            on_fetch_error(self, slot, items, budget, err);
          });
}

fetch_item item_of(const batch_entry& in, uint32_t idx, uint64_t skip) {
  return fetch_item{idx,      in.bucket, in.objname, in.archpath,
                    in.start, in.length, skip};
}

/// Consults the throttle's advice (at most once per load interval) and
/// pauses new fetches for the advised time.
bool pause_on_advice(wi_ptr self) {
  auto& st = self->state;
  if (st.paused)
    return true;
  if (st.services.advice == nullptr)
    return false;
  // The actor clock, so that tests control the time.
  auto now = self->clock().now();
  if (now < st.next_advice_check)
    return false;
  st.next_advice_check = now + st.cfg.load_interval;
  // The marks in force for this work item, on the throttle's latest sample.
  auto advice
      = advise(st.services.advice->last_sample(), load_marks_of(st.cfg));
  if (advice.sleep_ms == 0)
    return false;
  st.paused = true;
  st.throttle_ns += uint64_t{advice.sleep_ms} * 1'000'000;
  metrics::add_throttle_ns(uint64_t{advice.sleep_ms} * 1'000'000);
  log::debug("batch ", st.plan->uuid, " pauses ", advice.sleep_ms, " ms: load ",
             to_string(advice.level), " (", advice.reason, ")");
  self->delayed_send(self, std::chrono::milliseconds(advice.sleep_ms),
                     atom::tick_v);
  publish(st);
  return true;
}

/// What `name_entries` put in a request.
struct named_entries {
  /// Bytes the named entries are expected to bring.
  uint64_t expected = 0;
  bool has_cursor = false;
};

/// Names the entries of `t` a request asks for, in request order: no more
/// than its budget can carry (large entries would otherwise drag hundreds
/// of names along for one reply) and than the target's current request
/// size.
named_entries name_entries(const work_item_state& st, const fetch_target& t,
                           uint64_t horizon, fetch_request& req) {
  named_entries out;
  auto& in = st.plan->req.entries;
  for (auto idx : t.queue) {
    auto& e = st.entries[idx];
    if (e.requested || e.complete)
      continue;
    if (idx >= horizon && idx != st.cursor)
      break;
    // The check reads a shard anyway, and its files then come from the
    // member cache: a parallel request would read it a second time.
    if (st.checking && !in[idx].archpath.empty())
      continue;
    out.has_cursor = out.has_cursor || idx == st.cursor;
    req.items.push_back(item_of(in[idx], idx, e.received));
    if (e.received > 0)
      req.items.back().identity = e.identity;
    out.expected += e.known ? e.total - e.received : t.typical_entry_bytes;
    if (req.items.size() >= t.request_items || out.expected >= req.budget)
      break;
  }
  return out;
}

void pump(wi_ptr self) {
  auto& st = self->state;
  if (st.failed || st.finished)
    return;
  report_window(self->state);
  if (pause_on_advice(self))
    return;
  auto horizon = static_cast<uint64_t>(st.cursor) + st.cfg.window_entries;
  for (uint32_t slot = 0; slot < st.targets.size(); ++slot) {
    auto& t = st.targets[slot];
    // During the existence check the DT's own target gets one request, so
    // that its first entries are in hand when the check ends. Other
    // targets' data would share the middleman's connections and threads
    // with the check's answers, and hold up the status line.
    if (st.checking && (t.prefetched || !t.own))
      continue;
    while (!t.lost && t.inflight < max_inflight) {
      auto free
          = st.held < st.cfg.window_bytes ? st.cfg.window_bytes - st.held : 0;
      fetch_request req;
      req.budget
          = std::min<uint64_t>(st.cfg.chunk_bytes, std::max(free, min_budget));
      // The DT's own objects go to a TAR stream by sendfile.
      bool tar = st.plan->req.format == archive_format::tar;
      req.file_spans = tar && t.own;
      // Other targets' large objects come over HTTP (`peer_span`).
      req.peer_spans
          = tar && !req.file_spans && st.cfg.peer_spans && !t.address.empty();
      auto named = name_entries(st, t, horizon, req);
      // When entries behind the cursor fill the window, the entry at the
      // cursor is fetched anyway, or the batch would wedge. Bytes the client
      // has not taken yet do not count for that: they drain by themselves.
      auto cursor_may_go
          = named.has_cursor
            && st.in_serializer + st.reserved < st.cfg.window_bytes;
      // A window with little room left waits for room for the entries the
      // request names (up to a chunk): slivers of entries would cost a
      // message round each, and could not travel as spans.
      auto room_needed = std::clamp<uint64_t>(named.expected, min_budget,
                                              st.cfg.chunk_bytes);
      if (req.items.empty() || (free < room_needed && !cursor_may_go)) {
        if (!req.items.empty() && t.inflight == 0)
          log::debug("batch ", st.plan->uuid, ": ", t.id, " waits; cursor ",
                     st.cursor, " held ", st.held, " reserved ", st.reserved,
                     " in_serializer ", st.in_serializer);
        break;
      }
      if (free < room_needed) {
        // The cursor goes past the full window with a whole chunk: in
        // slivers of what is free, the entry the client waits for would
        // come one round trip per piece, inside the messages, and the
        // entries after it one per request. A stalled client still stops
        // it (see `cursor_may_go`).
        req.items.clear();
        req.budget = st.cfg.chunk_bytes;
        name_entries(st, t, horizon, req);
      }
      send_fetch(self, slot, std::move(req));
      if (st.checking) {
        t.prefetched = true;
        break;
      }
    }
  }
  // Fetches are out: if the cursor still waits, the owners warm what comes
  // after them.
  if (st.cursor < st.entries.size() && !st.entries[st.cursor].complete)
    warm_ahead(self);
  publish(st);
}

/// The cursor waits for an entry: name the entries each owner will be asked
/// for after the requests in flight, so its warm-up pool reads them into the
/// page cache meanwhile.
void warm_ahead(wi_ptr self) {
  auto& st = self->state;
  if (st.cfg.warmup_workers <= 0)
    return;
  auto& in = st.plan->req.entries;
  auto limit = static_cast<int64_t>(st.cursor) + warm_span;
  for (auto& t : st.targets) {
    if (t.lost || t.queue.empty())
      continue;
    warm_request req;
    req.workers = st.cfg.warmup_workers;
    // The queue is in request order: skip what was named before.
    auto it = std::upper_bound(t.queue.begin(), t.queue.end(), t.warmed_up_to,
                               [](int64_t mark, uint32_t idx) {
                                 return mark < static_cast<int64_t>(idx);
                               });
    for (; it != t.queue.end() && *it < limit; ++it) {
      auto& e = st.entries[*it];
      t.warmed_up_to = *it;
      if (e.requested || e.complete || e.received > 0)
        continue;
      req.items.push_back(item_of(in[*it], *it, 0));
      if (req.items.size() >= max_warm_items)
        break;
    }
    if (!req.items.empty())
      self->send(t.handle, atom::warm_v, std::move(req));
  }
}

void flush(wi_ptr self) {
  auto& st = self->state;
  // While the existence check runs, fetched entries wait here: nothing may
  // reach the client before the check says 200.
  if (st.failed || st.finished || st.checking)
    return;
  auto& req = st.plan->req;
  slice s;
  while (st.cursor < st.entries.size()) {
    auto& e = st.entries[st.cursor];
    auto& in = req.entries[st.cursor];
    if (e.missing) {
      if (!req.coer)
        return fail(self,
                    make_error(ec::not_found, missing_reason(st, st.cursor)));
      if (++st.soft_errors > st.cfg.max_soft_errs)
        return fail(self, make_error(ec::not_found,
                                     "too many missing entries: more than "
                                     "get_batch.max_soft_errs ("
                                         + std::to_string(st.cfg.max_soft_errs)
                                         + "); the last one: "
                                         + missing_reason(st, st.cursor)));
      auto name = missing_name(in, req.onob);
      s.framing += archive::framing_bytes(name.size(), 0);
      s.parts.push_back({slice_part::begin, std::move(name), 0, 0, {}});
      s.parts.push_back({slice_part::end, {}, 0, 0, {}});
      ++st.cursor;
      continue;
    }
    if (!e.known)
      break;
    if (!e.header_sent) {
      auto name = name_in_archive(in, req.onob);
      // Headers and padding stay with the serializer until the client takes
      // them, as the entry's bytes do: for entries of a few bytes they are
      // most of the archive.
      s.framing += archive::framing_bytes(name.size(), e.total);
      s.parts.push_back(
          {slice_part::begin, std::move(name), e.total, e.mtime_sec, {}});
      e.header_sent = true;
    }
    for (auto& chunk : e.chunks) {
      s.payload += chunk.size();
      s.parts.push_back({slice_part::data, {}, 0, 0, std::move(chunk)});
    }
    // Released, not just cleared: a batch has up to 100,000 entries.
    e.chunks = {};
    if (!e.complete)
      break;
    s.parts.push_back({slice_part::end, {}, 0, 0, {}});
    ++st.cursor;
  }
  if (!s.parts.empty()) {
    st.held += s.framing;
    st.peak_held = std::max(st.peak_held, st.held);
    st.in_serializer += s.payload + s.framing;
    st.payload_handed += s.payload;
    self->send(st.serializer, std::move(s));
  }
  if (st.cursor == st.entries.size()) {
    st.finished = true;
    report_outcome(self->state, false);
    retire(st, {});
    // A stream is the bare archive: its `MossResp` would go unread (and
    // costs some 100 bytes per entry).
    self->send(st.serializer, atom::done_v,
               st.plan->req.strm ? std::string{} : batch_metadata(st));
    log::debug("batch ", st.plan->uuid, " done: ", st.entries.size(),
               " entries, peak window ", st.peak_held, " bytes");
    self->quit();
  }
}

void checked(wi_ptr self) {
  auto& st = self->state;
  st.checking = false;
  self->send(st.serializer, atom::ready_v);
  flush(self);
  pump(self);
}

/// Sends target `slot` its waiting check parts, up to
/// `max_check_parts_in_flight`.
void send_check_parts(wi_ptr self, uint32_t slot,
                      const std::shared_ptr<size_t>& pending);

/// Asks target `slot` whether `items` exist; what it lacks is asked of the
/// next target (see `entry_progress::tried`). The batch starts once every
/// entry is found, and fails on the first that no target has.
void check_on(wi_ptr self, uint32_t slot, std::vector<uint32_t> items,
              std::shared_ptr<size_t> pending) {
  auto& state = self->state;
  auto& in = state.plan->req.entries;
  auto& t = state.targets[slot];
  fetch_request req;
  req.stat_only = true;
  for (auto idx : items)
    req.items.push_back(item_of(in[idx], idx, 0));
  ++*pending;
  ++t.checks_in_flight;
  metrics::add_fetch_request(items.size());
  self->request(t.handle, state.cfg.max_wait, atom::fetch_v, std::move(req))
      .then(
          [self, slot, pending](fetch_reply& reply) {
            auto& st = self->state;
            if (st.failed)
              return;
            --st.targets[slot].checks_in_flight;
            std::map<uint32_t, std::vector<uint32_t>> again;
            for (auto& r : reply.results) {
              if (r.index >= st.entries.size())
                continue;
              if (r.code == ec::no_error) {
                move_entry(st, r.index, slot);
                continue;
              }
              // The owner's answer is the one to report.
              auto& why = st.errors.try_emplace(r.index, r.error).first->second;
              auto next
                  = r.code == ec::not_found ? next_holder(st, r.index) : -1;
              if (next < 0)
                return fail(self, make_error(r.code, why));
              again[static_cast<uint32_t>(next)].push_back(r.index);
            }
            for (auto& [next, idxs] : again)
              check_on(self, next, std::move(idxs), pending);
            send_check_parts(self, slot, pending);
            // A target with parts waiting has parts in flight, so nothing
            // is in flight only when every part was answered.
            if (--*pending == 0)
              checked(self);
          },
          [self, id = t.id](caf::error& err) {
            auto e = from_caf_error(err);
            e.message = "target " + id + ": " + e.message;
            fail(self, e);
          });
}

void send_check_parts(wi_ptr self, uint32_t slot,
                      const std::shared_ptr<size_t>& pending) {
  auto& t = self->state.targets[slot];
  while (t.checks_in_flight < max_check_parts_in_flight
         && !t.check_parts.empty()) {
    auto part = std::move(t.check_parts.front());
    t.check_parts.pop_front();
    check_on(self, slot, std::move(part), pending);
  }
}

/// Strict streaming mode: every entry must exist before the 200 goes out.
void check_existence(wi_ptr self) {
  auto& st = self->state;
  st.checking = true;
  auto pending = std::make_shared<size_t>(0);
  auto& in = st.plan->req.entries;
  for (uint32_t slot = 0; slot < st.targets.size(); ++slot) {
    // Objects in parallel parts; files in shards in one part per target,
    // since each part would read a shard on its own.
    std::vector<uint32_t> objects, files;
    auto& t = st.targets[slot];
    auto add = [&](std::vector<uint32_t>& part, size_t limit, uint32_t idx) {
      part.push_back(idx);
      if (part.size() < limit)
        return;
      t.check_parts.push_back(std::move(part));
      part.clear();
    };
    for (auto idx : t.queue) {
      if (in[idx].archpath.empty())
        add(objects, max_items_per_stat, idx);
      else
        add(files, max_items_per_shard_stat, idx);
    }
    for (auto* part : {&objects, &files})
      if (!part->empty())
        t.check_parts.push_back(std::move(*part));
    send_check_parts(self, slot, pending);
  }
  if (*pending == 0)
    checked(self);
}

void start(wi_ptr self, const peer_table& peers, const target_actor& local) {
  auto& st = self->state;
  std::unordered_map<std::string, uint32_t> slots;
  for (size_t i = 0; i < peers.ids.size(); ++i) {
    slots[peers.ids[i]] = static_cast<uint32_t>(st.targets.size());
    fetch_target t;
    t.request_items = first_request_items;
    t.id = peers.ids[i];
    t.handle = caf::actor_cast<target_actor>(peers.handles[i]);
    t.own = t.handle == local;
    if (auto it = st.plan->target_addresses.find(t.id);
        it != st.plan->target_addresses.end())
      t.address = it->second;
    st.targets.push_back(std::move(t));
  }
  auto& plan = *st.plan;
  std::vector<int64_t> slot_of_owner;
  for (auto& id : plan.owner_ids) {
    auto it = slots.find(id);
    slot_of_owner.push_back(
        it == slots.end() ? -1 : static_cast<int64_t>(it->second));
  }
  for (uint32_t i = 0; i < st.entries.size(); ++i) {
    auto slot = slot_of_owner[plan.owners[i]];
    auto& e = st.entries[i];
    if (slot < 0) {
      auto& owner = plan.owner_of(i);
      if (!plan.req.coer)
        return fail(self,
                    make_error(ec::unavailable,
                               "target " + owner + " that owns entry "
                                   + std::to_string(i) + " is not reachable"));
      e.missing = true;
      e.complete = true;
      st.errors.insert_or_assign(i, "target " + owner + " is not reachable");
      continue;
    }
    e.target = static_cast<uint32_t>(slot);
    if (slot < 64)
      e.tried |= uint64_t{1} << slot;
    st.targets[e.target].queue.push_back(i);
    ++st.targets[e.target].owned;
  }
  publish(st);
  for (auto& t : st.targets)
    if (!t.queue.empty())
      self->monitor(t.handle);
  auto& req = st.plan->req;
  if (req.strm && !req.coer) {
    check_existence(self);
    return pump(self);
  }
  self->send(st.serializer, atom::ready_v);
  flush(self);
  pump(self);
}

} // namespace

work_item_actor::behavior_type
work_item(work_item_actor::stateful_pointer<work_item_state> self,
          std::shared_ptr<const batch_plan> plan, serializer_actor ser,
          target_actor local, get_batch_config cfg,
          work_item_services services) {
  auto& state = self->state;
  state.plan = std::move(plan);
  state.cfg = cfg;
  state.services = services;
  state.started_ms = unix_time_ms();
  state.serializer = std::move(ser);
  state.entries.resize(state.plan->req.entries.size());
  // CAF 0.17 keeps a request's timeout, and with it the actor, until the
  // timeout fires, answered or not: a finished batch would stay in memory
  // for another `max_wait`.
  self->attach_functor([self] {
    self->home_system().clock().cancel_timeouts(self);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    for (uint32_t slot = 0; slot < st.targets.size(); ++slot)
      if (st.targets[slot].handle.address() == msg.source)
        target_lost(self, slot, "left the cluster");
  });
  self->request(local, cfg.max_wait, atom::peers_v)
      .then(
          [self, local](peer_table& peers) {
            start(self, peers, local);
          },
          [self](caf::error& err) {
            fail(self, from_caf_error(err));
          });
  return {
      [self](atom::credit, uint64_t bytes) {
        auto& st = self->state;
        st.held -= std::min(st.held, bytes);
        st.in_serializer -= std::min(st.in_serializer, bytes);
        pump(self);
      },
      [self](atom::tick) {
        self->state.paused = false;
        pump(self);
      },
  };
}

} // namespace moss
