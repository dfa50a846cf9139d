#include "actors/system_config.hpp"

#include "actors/actors.hpp"
#include "actors/error.hpp"
#include "actors/tls_error_queue.hpp"
#include "core/log.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/timespan.hpp>

namespace moss {

namespace {

void add_moss_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::moss>();
  cfg.add_error_category(caf::atom("moss"), [](uint8_t code, caf::atom_value,
                                               const caf::message& ctx) {
    return std::string{"moss::"} + to_string(static_cast<ec>(code))
           + (ctx.empty() ? "" : caf::to_string(ctx));
  });
}

} // namespace

system_config::system_config(const config& cfg, bool with_middleman) {
  add_moss_types(*this);
  set("logger.console", caf::atom("none"));
  set("logger.file-verbosity", caf::atom("quiet"));
  set("scheduler.max-throughput", size_t{64});
  // Work stealing lets idle workers sleep 10 ms between polls, which adds
  // that much latency to every message from an HTTP thread or a detached
  // fetch worker; the sharing policy wakes a worker at once.
  set("scheduler.policy", caf::atom("sharing"));
  if (with_middleman) {
    load<caf::io::middleman>();
    // The multiplexer deserializes what arrives itself instead of handing
    // each message to a scheduler thread first: one thread hop less per
    // remote message, which is most of an existence check's time.
    set("middleman.workers", size_t{0});
    set("middleman.heartbeat-interval",
        caf::timespan{cfg.middleman.heartbeat_interval});
    set("middleman.connection-timeout",
        caf::timespan{cfg.middleman.connection_timeout});
    set("middleman.app-identifiers",
        std::vector<std::string>{cfg.middleman.app_identifier});
    if (cfg.middleman.tls()) {
      // Every connection is TLS, and each side checks that the other's
      // certificate is signed by the cluster's CA.
      load<caf::openssl::manager>();
      if (!tls_error_queue_guarded())
        log::warn("OpenSSL's error queue is not guarded: one failed TLS "
                  "handshake can drop this node's other connections");
      openssl_certificate = cfg.middleman.tls_certificate;
      openssl_key = cfg.middleman.tls_key;
      openssl_cafile = cfg.middleman.tls_ca_file;
    }
  }
}

test_system_config::test_system_config() {
  add_moss_types(*this);
  set("scheduler.policy", caf::atom("testing"));
  set("logger.file-verbosity", caf::atom("quiet"));
  set("logger.console", caf::atom("none"));
}

} // namespace moss
