#include "actors/moss/batch_bridge.hpp"

#include "actors/error.hpp"
#include "actors/moss/serializer.hpp"
#include "actors/moss/work_item.hpp"
#include "actors/target/fetch_reader.hpp"

#include <caf/all.hpp>

#include <optional>

namespace moss {

namespace {

class actor_batch_stream final : public http::batch_stream {
 public:
  actor_batch_stream(caf::actor_system& sys, serializer_actor ser,
                     work_item_actor wi, std::string uuid, job_board* jobs)
      : sys_(sys), ser_(std::move(ser)), wi_(std::move(wi)),
        uuid_(std::move(uuid)), jobs_(jobs) {
    // nop
  }

  ~actor_batch_stream() override {
    // Finished or not, nothing of this batch may outlive the connection.
    caf::anon_send_exit(wi_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ser_, caf::exit_reason::user_shutdown);
  }

  expected<http::pull_chunk> pull(std::chrono::milliseconds timeout) override {
    expected<http::pull_chunk> result{make_error(ec::internal, "no reply")};
    auto asked = std::chrono::steady_clock::now();
    if (!puller_) {
      puller_.emplace(sys_, true);
      (*puller_)->monitor(ser_);
    }
    auto& self = *puller_;
    // A plain send, answered as a plain message, and a receive timeout kept
    // by this thread: a request's timeout would go through the actor
    // clock's thread twice per pull (set, then cancel), and would stay in
    // this actor's mailbox, answered or not, until it fired.
    self->send(ser_, atom::pull_v);
    self->receive(
        [&](pull_reply& r) {
          result = http::pull_chunk{std::move(r.data), r.done,
                                    std::move(r.metadata)};
        },
        [&](caf::error& err) {
          result = from_caf_error(err);
        },
        [&](caf::down_msg& down) {
          result
              = make_error(ec::unavailable, "the batch's serializer stopped: "
                                                + caf::to_string(down.reason));
        },
        caf::after(timeout) >>
            [&] {
              result = make_error(
                  ec::timeout, "the batch made no progress for "
                                   + std::to_string(timeout.count()) + " ms");
            });
    if (jobs_ != nullptr) {
      auto waited = std::chrono::steady_clock::now() - asked;
      jobs_->add_transfer(
          uuid_, result ? result->size() : 0,
          static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(waited)
                  .count()));
    }
    return result;
  }

 private:
  caf::actor_system& sys_;
  serializer_actor ser_;
  work_item_actor wi_;
  std::string uuid_;
  job_board* jobs_;
  /// Created by the first pull, on the thread that pulls.
  std::optional<caf::scoped_actor> puller_;
};

class actor_batch_backend final : public http::batch_backend {
 public:
  actor_batch_backend(caf::actor_system& sys, target_actor local,
                      work_item_services services)
      : sys_(sys), local_(std::move(local)), services_(services) {
    // nop
  }

  std::unique_ptr<http::batch_stream>
  start(std::shared_ptr<const batch_plan> plan,
        const get_batch_config& cfg) override {
    auto uuid = plan->uuid;
    auto ser = sys_.spawn(serializer, plan->req.format);
    auto wi
        = sys_.spawn(work_item, std::move(plan), ser, local_, cfg, services_);
    caf::anon_send(ser, wi);
    return std::make_unique<actor_batch_stream>(sys_, ser, wi, std::move(uuid),
                                                services_.jobs);
  }

  size_t active() const override { return work_item_census::live(); }

  uint64_t shard_scans() const override { return member_cache::total_scans(); }

 private:
  caf::actor_system& sys_;
  target_actor local_;
  work_item_services services_;
};

} // namespace

std::unique_ptr<http::batch_backend>
make_batch_backend(caf::actor_system& sys, target_actor local,
                   work_item_services services) {
  return std::make_unique<actor_batch_backend>(sys, std::move(local), services);
}

} // namespace moss
