#include "actors/moss/serializer.hpp"

#include "core/metrics.hpp"

#include <caf/all.hpp>

namespace moss {

namespace {

/// One pull returns at most about this much (whole outputs only).
constexpr size_t max_pull_bytes = 1 << 20;

using serializer_ptr = serializer_actor::stateful_pointer<serializer_state>;

void collect(serializer_ptr self, uint64_t credit) {
  auto& st = self->state;
  std::vector<piece> parts;
  st.writer->take_parts(parts);
  for (auto& p : parts)
    st.out.push_back({std::move(p), 0});
  if (credit == 0)
    return;
  if (st.out.empty())
    st.out.push_back({{}, 0});
  st.out.back().credit += credit;
}

void answer(serializer_ptr self) {
  auto& st = self->state;
  if (!st.has_pending)
    return;
  if (st.failure) {
    st.has_pending = false;
    st.pending.deliver(st.failure);
    return;
  }
  if (st.out.empty() && !st.done && st.dirty) {
    // A client is waiting: push out what the compressor holds.
    st.writer->flush();
    st.dirty = false;
    collect(self, 0);
  }
  pull_reply reply;
  uint64_t credit = 0;
  size_t bytes = 0;
  while (!st.out.empty()
         && (bytes == 0
             || bytes + st.out.front().bytes.size() <= max_pull_bytes)) {
    auto& front = st.out.front();
    bytes += front.bytes.size();
    credit += front.credit;
    if (front.bytes.size() > 0)
      reply.data.push_back(std::move(front.bytes));
    st.out.pop_front();
  }
  if (credit > 0 && st.work_item)
    self->send(st.work_item, atom::credit_v, credit);
  reply.done = st.done && st.out.empty();
  if (reply.done)
    reply.metadata = st.metadata;
  bool first_answer = st.ready && !st.answered_once;
  if (reply.data.empty() && !reply.done && !first_answer)
    return; // nothing to say yet
  st.answered_once = true;
  st.has_pending = false;
  auto waited = std::chrono::steady_clock::now() - st.pull_since;
  metrics::add_rx_wait_ns(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count()));
  st.pending.deliver(std::move(reply));
}

} // namespace

serializer_actor::behavior_type
serializer(serializer_actor::stateful_pointer<serializer_state> self,
           archive_format fmt) {
  self->state.writer = archive::make_writer(fmt);
  return {
      [self](slice& s) {
        auto& st = self->state;
        auto& w = *st.writer;
        for (auto& part : s.parts) {
          switch (part.kind) {
          case slice_part::begin:
            w.begin_entry(part.name, part.size, part.mtime_sec);
            break;
          case slice_part::data:
            if (part.bytes.file)
              w.write_file(std::move(part.bytes.file));
            else if (part.bytes.peer)
              w.write_peer(std::move(part.bytes.peer));
            else
              w.write_owned(std::move(part.bytes.bytes));
            break;
          default:
            w.end_entry();
          }
        }
        st.dirty = true;
        collect(self, s.payload + s.framing);
        answer(self);
      },
      [self](atom::ready) {
        self->state.ready = true;
        answer(self);
      },
      [self](atom::done, std::string& metadata) {
        auto& st = self->state;
        st.writer->finish();
        collect(self, 0);
        st.done = true;
        st.ready = true;
        st.metadata = std::move(metadata);
        answer(self);
      },
      [self](atom::fail, caf::error& err) {
        self->state.failure = std::move(err);
        answer(self);
      },
      [self](atom::pull) -> caf::result<pull_reply> {
        auto& st = self->state;
        if (st.has_pending)
          return caf::make_error(caf::sec::runtime_error,
                                 "a batch has one reader at a time");
        st.pending = self->make_response_promise<pull_reply>();
        st.has_pending = true;
        st.pull_since = std::chrono::steady_clock::now();
        auto promise = st.pending;
        answer(self);
        return promise;
      },
      [self](work_item_actor& wi) {
        self->state.work_item = std::move(wi);
      },
  };
}

} // namespace moss
