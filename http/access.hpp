#pragma once

#include "core/auth.hpp"
#include "http/exchange.hpp"
#include "http/url.hpp"

#include <memory>
#include <string>
#include <vector>

namespace moss::http {

/// Who may do what on a node's HTTP API. Without a verifier (auth off)
/// everything is allowed. Users present `Authorization: Bearer <JWT>`;
/// nodes sign their requests to each other with the join token instead.
class access_gate {
 public:
  access_gate() = default;
  access_gate(std::shared_ptr<const token_verifier> verifier,
              std::string join_token);

  bool enabled() const { return verifier_ != nullptr; }

  /// The caller's claims, or a 401 error. A node's signed request, or a
  /// redirect the proxy signed after checking the caller's token, may do
  /// what was signed; `body_digest` (SHA-256 hex of the body) binds a
  /// signed GetBatch redirect to its request body.
  expected<token_claims> identify(const exchange& ex,
                                  const request_target& target,
                                  std::string_view body_digest = {}) const;

  /// Checks `level` on every one of `buckets`: 401 without a valid token,
  /// 403 naming the first bucket the token does not cover.
  expected<void> require(const exchange& ex, const request_target& target,
                         const std::vector<std::string>& buckets, access level,
                         std::string_view body_digest = {}) const;

  /// The query parameter (`moss_auth=...`) that lets a client that was
  /// allowed here follow a 307 to a target without its token (HTTP clients
  /// drop `Authorization` on a redirect to another port): an HMAC under the
  /// join token, bound to method, path and body, valid for a minute. Empty
  /// when tokens are not checked.
  std::string sign_redirect(const std::string& method,
                            const std::string& url_path,
                            std::string_view body_digest = {}) const;

  /// Checks the request by its path and method alone: open paths (health,
  /// metrics, the console page), object and bucket access, cluster
  /// administration. GetBatch only needs a valid token here; its buckets
  /// are checked once its body is parsed (`require`).
  expected<void> check_route(const exchange& ex,
                             const request_target& target) const;

 private:
  std::shared_ptr<const token_verifier> verifier_;
  std::string join_token_;
};

/// Sends the 401 or 403 of a failed check (with `WWW-Authenticate` on 401).
void reply_denied(exchange& ex, const error& err);

/// The headers a node adds to its HTTP requests to other nodes (empty
/// without a join token). `url_path` is the request path without query.
header_list node_auth_headers(const std::string& join_token,
                              const std::string& method,
                              const std::string& url_path);

} // namespace moss::http
