#include "actors/moss/batch_bridge.hpp"

#include "actors/error.hpp"
#include "actors/moss/serializer.hpp"
#include "actors/moss/work_item.hpp"
#include "actors/target/fetch_reader.hpp"

#include <caf/all.hpp>

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
    // A fresh blocking actor per pull: CAF 0.17 delivers the timeout of
    // every answered request later anyway, and a long-lived one would keep
    // them all in its mailbox and scan them on every receive (a batch of
    // 100,000 entries slowed to a crawl after the first timeout period).
    caf::scoped_actor self{sys_, true};
    self->request(ser_, timeout, atom::pull_v)
        .receive(
            [&](pull_reply& r) {
              result = http::pull_chunk{std::move(r.data), r.done,
                                        std::move(r.metadata)};
            },
            [&](caf::error& err) {
              auto e = from_caf_error(err);
              if (err == caf::sec::request_timeout)
                e.message = "the batch made no progress for "
                            + std::to_string(timeout.count()) + " ms";
              result = std::move(e);
            });
    // The clock holds the actor until its timeout fires: cancelled now, or
    // every pull of the last timeout period (two minutes of pulls, 1,000 a
    // second at 1 GB/s) would stay in memory.
    sys_.clock().cancel_timeouts(self.ptr());
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
