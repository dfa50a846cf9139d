#include "http/access.hpp"

#include "core/jobs.hpp"
#include "http/status.hpp"

#include <strings.h>

namespace moss::http {

namespace {

/// Carries the proxy's signature on a redirect (see `sign_redirect`).
constexpr const char* redirect_auth_param = "moss_auth";

int64_t now_seconds() {
  return unix_time_ms() / 1000;
}

bool reads(const std::string& method) {
  return method == "GET" || method == "HEAD";
}

/// What a signature covers: the path, and the body's digest if bound to it.
std::string signed_scope(std::string_view url_path,
                         std::string_view body_digest) {
  std::string scope{url_path};
  if (!body_digest.empty()) {
    scope += '\n';
    scope += body_digest;
  }
  return scope;
}

std::string_view path_of(const exchange& ex) {
  std::string_view raw{ex.target()};
  return raw.substr(0, raw.find('?'));
}

/// Whoever holds a valid signature may do what was signed (one method on
/// one path, with one body), nothing else.
token_claims signed_claims(const char* who) {
  token_claims claims;
  claims.subject = who;
  claims.admin = true;
  return claims;
}

} // namespace

access_gate::access_gate(std::shared_ptr<const token_verifier> verifier,
                         std::string join_token)
    : verifier_(std::move(verifier)), join_token_(std::move(join_token)) {
  // nop
}

expected<token_claims>
access_gate::identify(const exchange& ex, const request_target& target,
                      std::string_view body_digest) const {
  if (auto node = ex.header(node_auth_header); !node.empty()) {
    if (!check_node_auth(join_token_, node, ex.method(),
                         signed_scope(path_of(ex), {}), now_seconds()))
      return make_error(ec::unauthenticated, std::string{"invalid or expired "}
                                                 + node_auth_header
                                                 + " signature");
    return signed_claims("cluster node");
  }
  if (auto signature = target.param(redirect_auth_param); !signature.empty()) {
    if (!check_node_auth(join_token_, signature, ex.method(),
                         signed_scope(path_of(ex), body_digest), now_seconds()))
      return make_error(
          ec::unauthenticated,
          std::string{"invalid or expired "} + redirect_auth_param
              + " signature (follow the proxy's redirect within a minute, "
                "with the same method and body)");
    return signed_claims("redirect signed by the proxy");
  }
  auto header = ex.header("Authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (header.empty())
    return make_error(ec::unauthenticated,
                      "this cluster requires a token: send "
                      "\"Authorization: Bearer <JWT>\"");
  if (header.size() <= bearer.size()
      || ::strncasecmp(header.c_str(), bearer.data(), bearer.size()) != 0)
    return make_error(ec::unauthenticated,
                      "the Authorization header must be \"Bearer <JWT>\"");
  return verifier_->verify(std::string_view{header}.substr(bearer.size()),
                           now_seconds());
}

expected<void> access_gate::require(const exchange& ex,
                                    const request_target& target,
                                    const std::vector<std::string>& buckets,
                                    access level,
                                    std::string_view body_digest) const {
  if (!enabled())
    return {};
  auto who = identify(ex, target, body_digest);
  if (!who)
    return who.error();
  for (auto& bucket : buckets)
    if (!who->allows(bucket, level))
      return make_error(ec::forbidden,
                        "the token of \"" + who->subject + "\" does not allow "
                            + to_string(level) + " access to ais://" + bucket);
  return {};
}

expected<void> access_gate::check_route(const exchange& ex,
                                        const request_target& target) const {
  if (!enabled())
    return {};
  auto& seg = target.segments;
  auto& method = ex.method();
  if (seg.size() == 1 && (seg[0] == "metrics" || seg[0] == "console"))
    return {};
  if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "health")
    return {};
  if (seg.size() < 2 || seg[0] != "v1") {
    if (auto who = identify(ex, target); !who)
      return who.error();
    return {};
  }
  if (seg[1] == "objects" && seg.size() >= 3) {
    // A node hands these out signed; the route checks the signature.
    if (target.param("moss_local") == "1")
      return {};
    return require(ex, target, {seg[2]},
                   reads(method) ? access::read : access::write);
  }
  if (seg[1] == "buckets" && seg.size() == 3)
    return require(ex, target, {seg[2]},
                   reads(method) ? access::read : access::admin);
  // A span's token is a single-use capability (128 random bits) that only
  // the work item it was issued to learned over the inter-node link.
  if (seg[1] == "spans" && seg.size() == 3)
    return {};
  // A signed GetBatch redirect is checked together with its body.
  if (seg[1] == "ml" && !target.param(redirect_auth_param).empty())
    return {};
  auto who = identify(ex, target);
  if (!who)
    return who.error();
  bool administers
      = !reads(method) && (seg[1] == "cluster" || seg[1] == "rebalance");
  if (administers && !who->admin)
    return make_error(ec::forbidden, "the token of \"" + who->subject
                                         + "\" does not allow administering "
                                           "the cluster (it needs \"admin\")");
  return {};
}

std::string access_gate::sign_redirect(const std::string& method,
                                       const std::string& url_path,
                                       std::string_view body_digest) const {
  if (!enabled())
    return {};
  return std::string{redirect_auth_param} + "="
         + node_auth_value(join_token_, method,
                           signed_scope(url_path, body_digest), now_seconds());
}

void reply_denied(exchange& ex, const error& err) {
  if (err.code == ec::unauthenticated)
    return reply_error(ex, 401, err.message,
                       {{"WWW-Authenticate", "Bearer realm=\"moss\""}});
  reply_error(ex, err);
}

header_list node_auth_headers(const std::string& join_token,
                              const std::string& method,
                              const std::string& url_path) {
  if (join_token.empty())
    return {};
  return {{node_auth_header,
           node_auth_value(join_token, method, url_path, now_seconds())}};
}

} // namespace moss::http
