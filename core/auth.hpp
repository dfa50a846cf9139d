#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moss {

/// What a request does to a bucket. Each level includes the ones below it:
/// `write` can read, `admin` can also create and destroy the bucket.
enum class access : uint8_t { read = 1, write = 2, admin = 3 };

const char* to_string(access a);

/// One bucket's grant in a token (`{"bck": {"name": .., "provider": ..},
/// "perm": "read" | "write" | "admin"}`, AIStore's ACL layout).
struct bucket_grant {
  std::string bucket;
  access level = access::read;
};

/// The verified claims of a bearer token.
struct token_claims {
  /// `sub`, or AIStore's `username`.
  std::string subject;
  /// Seconds since the epoch (`exp`).
  int64_t expires = 0;
  /// Everything on every bucket and the cluster.
  bool admin = false;
  std::vector<bucket_grant> buckets;

  /// True if the token allows `level` on `bucket`.
  bool allows(const std::string& bucket, access level) const;
};

/// Verifies signed JWT bearer tokens (RFC 7519) with an HMAC secret (HS256)
/// and/or an RSA public key (RS256), through OpenSSL. Any other algorithm,
/// `none` included, is refused.
class token_verifier {
 public:
  /// @param hmac_secret the HS256 key (empty: HS256 tokens are refused).
  /// @param rsa_public_key_pem the RS256 key as PEM (empty: refused).
  static expected<std::shared_ptr<const token_verifier>>
  make(std::string hmac_secret, const std::string& rsa_public_key_pem);

  ~token_verifier();

  /// The claims of `token` if its signature is valid and it has not
  /// expired at `now` (seconds since the epoch); an `ec::unauthenticated`
  /// error naming what is wrong otherwise.
  expected<token_claims> verify(std::string_view token, int64_t now) const;

  token_verifier(const token_verifier&) = delete;
  token_verifier& operator=(const token_verifier&) = delete;

 private:
  token_verifier() = default;
  bool check_rs256(std::string_view signed_part,
                   std::string_view signature) const;

  std::string hmac_secret_;
  /// An `EVP_PKEY*`, kept opaque so that this header needs no OpenSSL.
  void* rsa_key_ = nullptr;
};

/// The value of the header that node-to-node HTTP requests carry instead of
/// a user's token: `<expiry>.<HMAC-SHA256 of method, path, expiry under the
/// cluster's join token>`, valid for a minute.
std::string node_auth_value(std::string_view join_token,
                            std::string_view method, std::string_view path,
                            int64_t now);

/// True if `value` is a current node signature for `method` on `path`.
bool check_node_auth(std::string_view join_token, std::string_view value,
                     std::string_view method, std::string_view path,
                     int64_t now);

/// The header that carries `node_auth_value`.
constexpr const char* node_auth_header = "Moss-Node-Auth";

} // namespace moss
