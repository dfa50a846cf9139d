#include "actors/target/target.hpp"

#include "actors/error.hpp"
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

void install_map(target_ptr self, cluster_map map) {
  auto& st = self->state;
  // Buckets that disappeared from the map were destroyed.
  for (auto& b : st.map.buckets)
    if (!std::binary_search(map.buckets.begin(), map.buckets.end(), b)) {
      log::info("destroying bucket ais://", b);
      if (auto r = st.store->destroy_bucket(b); !r)
        log::error(r.error().message);
    }
  st.map = map;
  if (st.view != nullptr)
    st.view->update(std::move(map));
}

void retry_join(target_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.failed_joins++ == 0)
    log::warn("cannot join the proxy at ", st.proxy_host, ":", st.proxy_port,
              " (", why, "); retrying every second");
  self->delayed_send(self, rejoin_delay, atom::rejoin_v);
}

void join(target_ptr self) {
  auto& st = self->state;
  auto mm = self->home_system().middleman().actor_handle();
  self->request(mm, connect_timeout, caf::connect_atom::value, st.proxy_host,
                st.proxy_port)
      .then(
          [self](const caf::node_id&, caf::strong_actor_ptr& ptr,
                 const std::set<std::string>&) {
            if (!ptr)
              return retry_join(self, "nothing published at that port");
            auto proxy = caf::actor_cast<proxy_actor>(ptr);
            self->request(proxy, join_timeout, atom::join_v,
                          self->state.self_info,
                          caf::actor_cast<target_actor>(self))
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

target_actor::behavior_type
target(target_actor::stateful_pointer<target_state> self,
       std::string proxy_host, uint16_t proxy_port, object_store* store,
       cluster_view* view) {
  auto& st = self->state;
  st.proxy_host = std::move(proxy_host);
  st.proxy_port = proxy_port;
  st.store = store;
  st.view = view;
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.proxy && msg.source == st.proxy.address()) {
      log::warn("lost the connection to the proxy; rejoining");
      st.proxy = nullptr;
      self->send(self, atom::rejoin_v);
    }
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
      [self](atom::rejoin) {
        if (!self->state.proxy && !self->state.self_info.id.empty())
          join(self);
      },
  };
}

} // namespace moss
