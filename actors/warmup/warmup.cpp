#include "actors/warmup/warmup.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace moss {

namespace {

using warmup_ptr = warmup_actor::stateful_pointer<warmup_state>;

warmup_reader_actor::behavior_type
warmup_reader(warmup_reader_actor::pointer self, warmup_actor pool,
              uint32_t index, prefetch_fn prefetch) {
  return {
      [self, pool, index, prefetch](atom::warm, const fetch_item& item) {
        prefetch(item);
        self->send(pool, atom::done_v, index);
      },
  };
}

void dispatch(warmup_ptr self) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.queue.empty()) {
    auto reader = st.idle.back();
    st.idle.pop_back();
    self->send(st.readers[reader], atom::warm_v, std::move(st.queue.front()));
    st.queue.pop_front();
  }
}

void grow(warmup_ptr self, int32_t wanted) {
  auto& st = self->state;
  auto target = std::min<uint32_t>(static_cast<uint32_t>(std::max(wanted, 0)),
                                   st.cfg.max_readers);
  while (st.readers.size() < target) {
    auto index = static_cast<uint32_t>(st.readers.size());
    auto pool = caf::actor_cast<warmup_actor>(self);
    auto reader = st.cfg.detached ? self->spawn<caf::detached + caf::linked>(
                      warmup_reader, pool, index, st.prefetch)
                                  : self->spawn<caf::linked>(
                                      warmup_reader, pool, index, st.prefetch);
    st.readers.push_back(reader);
    st.idle.push_back(index);
  }
}

} // namespace

warmup_actor::behavior_type
warmup(warmup_actor::stateful_pointer<warmup_state> self, warmup_config cfg,
       prefetch_fn prefetch) {
  self->state.cfg = cfg;
  self->state.prefetch = std::move(prefetch);
  return {
      [self](atom::warm, warm_request& req) {
        auto& st = self->state;
        grow(self, req.workers);
        auto capacity = st.readers.size() * st.cfg.queue_per_reader;
        for (auto& item : req.items) {
          if (st.queue.size() >= capacity) {
            ++st.dropped;
            continue;
          }
          st.queue.push_back(std::move(item));
        }
        dispatch(self);
      },
      [self](atom::done, uint32_t reader) {
        auto& st = self->state;
        ++st.done;
        st.idle.push_back(reader);
        dispatch(self);
      },
      [self](atom::stats) {
        return caf::make_result(self->state.done, self->state.dropped);
      },
  };
}

} // namespace moss
