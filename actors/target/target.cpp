#include "actors/target/target.hpp"

#include "actors/error.hpp"
#include "actors/system_config.hpp"
#include "core/log.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include <algorithm>
#include <chrono>

namespace moss {

namespace {

constexpr auto connect_timeout = std::chrono::seconds(5);
constexpr auto join_timeout = std::chrono::seconds(10);
constexpr auto rejoin_delay = std::chrono::seconds(1);

using target_ptr = target_actor::stateful_pointer<target_state>;

constexpr size_t fetch_workers = 8;
/// What a warm-up reader reads of an entry (AIStore: 1 MiB); the kernel is
/// advised to read ahead the rest.
constexpr uint64_t warmup_read_bytes = 1 << 20;

constexpr auto reconnect_backoff = std::chrono::seconds{1};

peer_table make_peer_table(target_ptr self) {
  auto& st = self->state;
  peer_table table;
  table.ids.push_back(st.self_info.id);
  table.handles.push_back(caf::actor_cast<caf::actor>(self));
  for (auto& [id, handle] : st.peers) {
    table.ids.push_back(id);
    table.handles.push_back(handle);
  }
  return table;
}

/// Work items that asked for the peers while connections were being set up
/// get them once every attempt ended (each is bounded by connect_timeout).
void answer_waiting_peers(target_ptr self) {
  auto& st = self->state;
  if (!st.connecting.empty() || !st.awaiting_hello.empty()
      || st.waiting_for_peers.empty())
    return;
  auto table = make_peer_table(self);
  for (auto& rp : st.waiting_for_peers)
    rp.deliver(table);
  st.waiting_for_peers.clear();
}

/// Exactly one connection per pair of targets: the one with the smaller id
/// dials, then says hello so that the other learns its handle. (Both
/// dialling at once makes two connections for one pair, which CAF's TLS
/// transport does not survive.)
bool dials(const std::string& self_id, const std::string& peer_id) {
  return self_id < peer_id;
}

void add_peer(target_ptr self, const std::string& id, caf::actor handle) {
  auto& st = self->state;
  st.peers[id] = handle;
  self->monitor(handle);
  log::debug("connected to peer ", id);
}

void dial(target_ptr self, const node_info& t) {
  auto& state = self->state;
  state.connecting.insert(t.id);
  auto mm = node_network(self->home_system());
  self->request(mm, connect_timeout, caf::connect_atom::value, t.caf_host,
                t.caf_port)
      .then(
          [self, id = t.id](const caf::node_id&, caf::strong_actor_ptr& ptr,
                            const std::set<std::string>&) {
            auto& st = self->state;
            st.connecting.erase(id);
            st.failed_connects.erase(id);
            if (ptr) {
              auto handle = caf::actor_cast<caf::actor>(ptr);
              add_peer(self, id, handle);
              self->send(caf::actor_cast<target_actor>(handle), atom::hello_v,
                         st.self_info.id, caf::actor_cast<caf::actor>(self));
            }
            answer_waiting_peers(self);
          },
          [self, id = t.id](caf::error& err) {
            self->state.connecting.erase(id);
            self->state.failed_connects[id] = caf::make_timestamp();
            log::warn("cannot connect to peer ", id, ": ",
                      self->system().render(err));
            answer_waiting_peers(self);
            self->delayed_send(self, reconnect_backoff, atom::tick_v);
          });
}

/// Keeps a connection to every other target of the map (work items fetch
/// from them directly). With
/// `await_callers`, peers that dial this target are waited for (bounded by
/// connect_timeout) by the next `peers` request.
void connect_peers(target_ptr self, bool await_callers = true) {
  auto& state = self->state;
  auto& me = state.self_info.id;
  std::set<std::string> wanted;
  auto now = caf::make_timestamp();
  for (auto* tp : state.map.all_targets()) {
    auto& t = *tp;
    if (t.id == me)
      continue;
    wanted.insert(t.id);
    if (state.peers.count(t.id) > 0 || state.connecting.count(t.id) > 0)
      continue;
    if (!dials(me, t.id)) {
      if (await_callers && state.awaiting_hello.emplace(t.id, now).second)
        self->delayed_send(self, connect_timeout, atom::tick_v);
      continue;
    }
    if (auto failed = state.failed_connects.find(t.id);
        failed != state.failed_connects.end()
        && now - failed->second < reconnect_backoff)
      continue;
    dial(self, t);
  }
  std::erase_if(state.failed_connects, [&](const auto& kv) {
    return wanted.count(kv.first) == 0;
  });
  std::erase_if(state.awaiting_hello, [&](const auto& kv) {
    return wanted.count(kv.first) == 0;
  });
  // Connections to targets that left the map stay until they drop: a
  // peer's hello can arrive before the map that lists it.
  answer_waiting_peers(self);
}

void install_map(target_ptr self, cluster_map map) {
  auto& st = self->state;
  // Buckets that disappeared from the map were destroyed.
  for (auto& b : st.map.buckets)
    if (!std::binary_search(map.buckets.begin(), map.buckets.end(), b)) {
      log::info("destroying bucket ais://", b);
      if (auto r = st.store->destroy_bucket(b); !r)
        log::error(r.error().message);
    }
  auto& me = st.self_info.id;
  bool was_leaving = st.map.is_leaving(me);
  bool gone = was_leaving && !map.is_leaving(me) && !map.find_target(me);
  st.map = map;
  if (st.view != nullptr)
    st.view->update(std::move(map));
  connect_peers(self);
  if (gone) {
    log::info("decommissioned: this target is no longer part of the cluster");
    if (st.on_decommissioned)
      st.on_decommissioned();
  }
}

void retry_join(target_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.failed_joins++ == 0)
    log::warn("cannot join the proxy at ", st.proxy_host, ":", st.proxy_port,
              " (", why, "); retrying every second");
  self->delayed_send(self, rejoin_delay, atom::rejoin_v);
}

void join(target_ptr self) {
  auto& state = self->state;
  auto mm = node_network(self->home_system());
  self->request(mm, connect_timeout, caf::connect_atom::value, state.proxy_host,
                state.proxy_port)
      .then(
          [self](const caf::node_id&, caf::strong_actor_ptr& ptr,
                 const std::set<std::string>&) {
            if (!ptr)
              return retry_join(self, "nothing published at that port");
            auto proxy = caf::actor_cast<proxy_actor>(ptr);
            self->request(
                    proxy, join_timeout, atom::join_v, self->state.self_info,
                    caf::actor_cast<target_actor>(self), self->state.join_token)
                .then(
                    [self, proxy](cluster_map& map) {
                      auto& st = self->state;
                      st.proxy = proxy;
                      st.failed_joins = 0;
                      self->monitor(proxy);
                      log::info("joined the cluster (map v", map.version, ", ",
                                map.targets.size(), " target(s))");
                      install_map(self, std::move(map));
                    },
                    [self](caf::error& err) {
                      retry_join(self, self->system().render(err));
                    });
          },
          [self](caf::error& err) {
            retry_join(self, self->system().render(err));
          });
}

} // namespace

fetch_worker_actor::behavior_type
fetch_worker(fetch_worker_actor::pointer, const object_store* store,
             std::shared_ptr<member_cache> cache, archive::shard_limits limits,
             span_registry* spans) {
  return {
      [store, cache, limits, spans](atom::fetch, const fetch_request& req) {
        return serve_fetch(*store, req, *cache, limits, spans);
      },
  };
}

target_actor::behavior_type
target(target_actor::stateful_pointer<target_state> self,
       archive::shard_limits limits, uint64_t cache_bytes,
       std::string proxy_host, uint16_t proxy_port, object_store* store,
       span_registry* spans, cluster_view* view, std::string join_token,
       std::function<void()> on_decommissioned) {
  auto& state = self->state;
  state.join_token = std::move(join_token);
  state.on_decommissioned = std::move(on_decommissioned);
  state.proxy_host = std::move(proxy_host);
  state.proxy_port = proxy_port;
  state.store = store;
  state.view = view;
  state.members = std::make_shared<member_cache>(cache_bytes);
  for (size_t i = 0; i < fetch_workers; ++i)
    state.workers.push_back(self->spawn<caf::detached + caf::linked>(
        fetch_worker, static_cast<const object_store*>(store), state.members,
        limits, spans));
  if (store != nullptr)
    state.warmup = self->spawn<caf::linked>(
        warmup, warmup_config{}, prefetch_fn{[store](const fetch_item& item) {
          prefetch_entry(*store, item, warmup_read_bytes);
        }});
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.proxy && msg.source == st.proxy.address()) {
      log::warn("lost the connection to the proxy; rejoining");
      st.proxy = nullptr;
      self->send(self, atom::rejoin_v);
      return;
    }
    for (auto it = st.peers.begin(); it != st.peers.end(); ++it)
      if (it->second.address() == msg.source) {
        log::warn("lost the connection to peer ", it->first);
        bool redial = dials(st.self_info.id, it->first);
        st.peers.erase(it);
        // The dialling side restores the connection while the peer is in
        // the map; the other waits for its hello.
        if (redial)
          self->delayed_send(self, reconnect_backoff, atom::tick_v);
        return;
      }
  });
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) {
    log::warn("target: dropped an unexpected message ",
              caf::to_string(x.copy_content_to_message()));
    return caf::drop(nullptr, x);
  });
  return {
      [self](atom::start, node_info& info) {
        self->state.self_info = std::move(info);
        if (self->state.proxy_port != 0)
          self->send(self, atom::rejoin_v);
      },
      [self](atom::update, cluster_map& map) -> int64_t {
        auto version = map.version;
        install_map(self, std::move(map));
        return version;
      },
      [self](atom::list, const list_query& query) -> caf::result<list_page> {
        auto& st = self->state;
        auto entries = st.store->list(query.bucket, query.prefix,
                                      query.start_after, query.page_size);
        if (!entries)
          return to_caf_error(entries.error());
        return list_page{std::move(*entries), {}};
      },
      [self](atom::warm, warm_request& req) {
        if (auto& pool = self->state.warmup)
          self->send(pool, atom::warm_v, std::move(req));
      },
      [self](atom::fetch, fetch_request& req) -> caf::result<fetch_reply> {
        auto& st = self->state;
        // A strict batch's first byte waits for its existence checks: what
        // the size cache answers needs no disk, and no hand-off to a
        // reader thread and back.
        if (st.store != nullptr)
          if (auto reply = answer_from_known_sizes(*st.store, req))
            return std::move(*reply);
        auto& worker = st.workers[st.next_worker++ % st.workers.size()];
        return self->delegate(worker, atom::fetch_v, std::move(req));
      },
      [self](atom::peers) -> caf::result<peer_table> {
        auto& st = self->state;
        // A batch planned on the current map may need a target whose
        // connection is still being set up (it just joined) or dropped
        // since: (re)connect and wait for it.
        connect_peers(self);
        if (st.connecting.empty() && st.awaiting_hello.empty())
          return make_peer_table(self);
        auto rp = self->make_response_promise<peer_table>();
        st.waiting_for_peers.push_back(rp);
        return rp;
      },
      [self](atom::hello, const std::string& id, caf::actor& handle) {
        // Taken even from a target not in this map yet: the caller may
        // have a newer map than this target.
        auto& st = self->state;
        if (auto old = st.peers.find(id); old != st.peers.end())
          self->demonitor(old->second);
        add_peer(self, id, std::move(handle));
        st.awaiting_hello.erase(id);
        answer_waiting_peers(self);
      },
      [self](atom::tick) {
        // Callers that did not say hello in time are given up on (until the
        // next batch asks); dialled peers that dropped are dialled again.
        auto& st = self->state;
        auto now = caf::make_timestamp();
        std::erase_if(st.awaiting_hello, [&](const auto& kv) {
          return now - kv.second >= connect_timeout;
        });
        connect_peers(self, false);
      },
      [self](atom::rejoin) {
        if (!self->state.proxy && !self->state.self_info.id.empty())
          join(self);
      },
  };
}

} // namespace moss
