#include "actors/bridge.hpp"

#include "actors/error.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace moss {

namespace {

constexpr auto map_timeout = std::chrono::seconds(30);
constexpr auto list_timeout = std::chrono::seconds(90);

class actor_proxy_backend final : public http::proxy_backend {
 public:
  actor_proxy_backend(caf::actor_system& sys, proxy_actor proxy)
      : sys_(sys), proxy_(std::move(proxy)) {
    // nop
  }

  expected<void> create_bucket(const std::string& name) override {
    return map_call(atom::create_v, name);
  }

  expected<void> destroy_bucket(const std::string& name) override {
    return map_call(atom::destroy_v, name);
  }

  expected<void> decommission(const std::string& id) override {
    return map_call(atom::leave_v, id);
  }

  expected<void> remove_target(const std::string& id) override {
    return map_call(atom::remove_v, id);
  }

  expected<void>
  configure(const std::vector<std::string>& assignments) override {
    return map_call(atom::configure_v, assignments);
  }

  expected<list_page> list_objects(const list_query& query) override {
    caf::scoped_actor self{sys_};
    expected<list_page> result{make_error(ec::internal, "no answer")};
    self->request(proxy_, list_timeout, atom::list_v, query)
        .receive(
            [&](list_page& page) {
              result = std::move(page);
            },
            [&](caf::error& err) {
              result = from_caf_error(err);
            });
    return result;
  }

 private:
  /// A change of the cluster map; waits until every target has it.
  template <class Atom, class Arg>
  expected<void> map_call(Atom what, const Arg& arg) {
    caf::scoped_actor self{sys_};
    expected<void> result;
    self->request(proxy_, map_timeout, what, arg)
        .receive([](int64_t) {},
                 [&](caf::error& err) {
                   result = from_caf_error(err);
                 });
    return result;
  }

  caf::actor_system& sys_;
  proxy_actor proxy_;
};

} // namespace

std::unique_ptr<http::proxy_backend> make_proxy_backend(caf::actor_system& sys,
                                                        proxy_actor proxy) {
  return std::make_unique<actor_proxy_backend>(sys, std::move(proxy));
}

} // namespace moss
