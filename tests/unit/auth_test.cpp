#include "core/auth.hpp"
#include "core/batch.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>

using namespace moss;

namespace {

constexpr int64_t now = 1'800'000'000;

std::string b64url(std::string_view data) {
  auto s = base64_encode(data);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  s.erase(s.find_last_not_of('=') + 1);
  return s;
}

std::string hs256(const std::string& secret, const std::string& header,
                  const std::string& payload) {
  auto signed_part = b64url(header) + "." + b64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()),
       signed_part.size(), mac, &len);
  return signed_part + "." + b64url({reinterpret_cast<const char*>(mac), len});
}

std::string hs256(const std::string& secret, const std::string& payload) {
  return hs256(secret, R"({"alg":"HS256","typ":"JWT"})", payload);
}

/// An RSA key pair made for the test, signing RS256 tokens.
struct rsa_signer {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ~rsa_signer() { EVP_PKEY_free(key); }

  std::string public_pem() const {
    auto* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    auto len = BIO_get_mem_data(bio, &data);
    std::string pem{data, static_cast<size_t>(len)};
    BIO_free(bio);
    return pem;
  }

  std::string sign(const std::string& payload) const {
    auto signed_part
        = b64url(R"({"alg":"RS256","typ":"JWT"})") + "." + b64url(payload);
    auto* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &len,
                   reinterpret_cast<const unsigned char*>(signed_part.data()),
                   signed_part.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(signed_part.data()),
                   signed_part.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return signed_part + "." + b64url(sig);
  }
};

const std::string reader_claims
    = R"({"sub":"alice","exp":1800000600,"buckets":[)"
      R"({"bck":{"name":"train","provider":"ais"},"perm":"read"},)"
      R"({"bck":{"name":"scratch","provider":"ais"},"perm":"write"}]})";

std::shared_ptr<const token_verifier> hmac_verifier() {
  return *token_verifier::make("s3cret", "");
}

} // namespace

TEST(auth, hs256_token_grants_what_it_lists) {
  auto claims = hmac_verifier()->verify(hs256("s3cret", reader_claims), now);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->expires, 1800000600);
  EXPECT_FALSE(claims->admin);
  EXPECT_TRUE(claims->allows("train", access::read));
  EXPECT_FALSE(claims->allows("train", access::write));
  EXPECT_TRUE(claims->allows("scratch", access::read));
  EXPECT_TRUE(claims->allows("scratch", access::write));
  EXPECT_FALSE(claims->allows("scratch", access::admin));
  EXPECT_FALSE(claims->allows("other", access::read));
}

TEST(auth, admin_claim_allows_everything) {
  auto claims = hmac_verifier()->verify(
      hs256("s3cret", R"({"username":"root","exp":1800000600,"admin":true})"),
      now);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "root");
  EXPECT_TRUE(claims->allows("anything", access::admin));
}

TEST(auth, forged_expired_and_malformed_tokens_are_refused) {
  auto v = hmac_verifier();
  auto expect_refused = [&](const std::string& token, const char* why) {
    auto r = v->verify(token, now);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, ec::unauthenticated) << why;
  };
  expect_refused(hs256("other-secret", reader_claims), "wrong key");
  auto good = hs256("s3cret", reader_claims);
  auto tampered = good;
  // Swap the payload for one granting admin, keeping the old signature.
  auto dot1 = good.find('.'), dot2 = good.rfind('.');
  tampered = good.substr(0, dot1 + 1)
             + b64url(R"({"sub":"alice","exp":1800000600,"admin":true})")
             + good.substr(dot2);
  expect_refused(tampered, "payload changed");
  expect_refused(good.substr(0, dot2), "no signature");
  expect_refused(good + ".x", "four parts");
  expect_refused("not a token", "garbage");
  expect_refused(hs256("s3cret", R"({"sub":"a","exp":1799999999})"), "expired");
  expect_refused(hs256("s3cret", R"({"sub":"a"})"), "no exp");
  expect_refused(
      hs256("s3cret", R"({"sub":"a","exp":1800000600,"buckets":[{"perm":1}]})"),
      "bad grant");
  // alg=none, and an algorithm this verifier has no key for.
  expect_refused(b64url(R"({"alg":"none"})") + "." + b64url(reader_claims)
                     + ".",
                 "alg none");
  expect_refused(hs256("s3cret", R"({"alg":"RS256"})", reader_claims),
                 "RS256 without a key");
  auto expired = v->verify(hs256("s3cret", R"({"sub":"a","exp":5})"), now);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST(auth, rs256_tokens_verify_with_the_public_key) {
  rsa_signer signer;
  auto v = token_verifier::make("", signer.public_pem());
  ASSERT_TRUE(v) << v.error().message;
  auto claims = (*v)->verify(signer.sign(reader_claims), now);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_TRUE(claims->allows("train", access::read));
  rsa_signer stranger;
  EXPECT_FALSE((*v)->verify(stranger.sign(reader_claims), now));
  // An HS256 token "signed" with the public key itself (the classic
  // algorithm confusion) is refused: HS256 has no secret here.
  EXPECT_FALSE((*v)->verify(hs256(signer.public_pem(), reader_claims), now));
}

TEST(auth, verifier_needs_a_usable_key) {
  EXPECT_FALSE(token_verifier::make("", ""));
  auto bad = token_verifier::make("", "-----BEGIN PUBLIC KEY-----\nxx\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ec::invalid_argument);
}

TEST(auth, node_signatures_bind_method_path_and_time) {
  auto value = node_auth_value("join", "PUT", "/v1/objects/b/o", now);
  EXPECT_TRUE(check_node_auth("join", value, "PUT", "/v1/objects/b/o", now));
  EXPECT_TRUE(
      check_node_auth("join", value, "PUT", "/v1/objects/b/o", now + 59));
  EXPECT_FALSE(
      check_node_auth("join", value, "PUT", "/v1/objects/b/o", now + 61));
  EXPECT_FALSE(check_node_auth("join", value, "GET", "/v1/objects/b/o", now));
  EXPECT_FALSE(check_node_auth("join", value, "PUT", "/v1/objects/b/x", now));
  EXPECT_FALSE(check_node_auth("other", value, "PUT", "/v1/objects/b/o", now));
  EXPECT_FALSE(check_node_auth("", value, "PUT", "/v1/objects/b/o", now));
  EXPECT_FALSE(check_node_auth("join", "garbage", "PUT", "/", now));
}
