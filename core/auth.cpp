#include "core/auth.hpp"

#include "core/batch.hpp"
#include "core/sign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <charconv>

namespace moss {

namespace {

error refused(std::string why) {
  return make_error(ec::unauthenticated, "invalid token: " + std::move(why));
}

expected<rapidjson::Document> decode_json_part(std::string_view part,
                                               const char* what) {
  auto text = base64_decode(part);
  if (!text)
    return refused(std::string{what} + " is not base64url");
  rapidjson::Document doc;
  doc.Parse(text->data(), text->size());
  if (doc.HasParseError() || !doc.IsObject())
    return refused(std::string{what} + " is not a JSON object");
  return doc;
}

expected<access> parse_access(const rapidjson::Value& perm) {
  if (perm.IsString()) {
    std::string_view p{perm.GetString(), perm.GetStringLength()};
    if (p == "read" || p == "ro")
      return access::read;
    if (p == "write" || p == "rw")
      return access::write;
    if (p == "admin")
      return access::admin;
  }
  return refused("a bucket grant's \"perm\" must be read, write or admin");
}

expected<token_claims> parse_claims(const rapidjson::Document& doc) {
  token_claims claims;
  auto exp = doc.FindMember("exp");
  if (exp == doc.MemberEnd() || !exp->value.IsNumber())
    return refused("it has no numeric \"exp\" (expiry) claim");
  claims.expires = static_cast<int64_t>(exp->value.GetDouble());
  for (auto* key : {"sub", "username"}) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsString()) {
      claims.subject = it->value.GetString();
      break;
    }
  }
  if (auto it = doc.FindMember("admin"); it != doc.MemberEnd()) {
    if (!it->value.IsBool())
      return refused("\"admin\" must be true or false");
    claims.admin = it->value.GetBool();
  }
  auto buckets = doc.FindMember("buckets");
  if (buckets == doc.MemberEnd() || buckets->value.IsNull())
    return claims;
  if (!buckets->value.IsArray())
    return refused("\"buckets\" must be an array of grants");
  for (auto& g : buckets->value.GetArray()) {
    if (!g.IsObject() || !g.HasMember("bck") || !g["bck"].IsObject()
        || !g["bck"].HasMember("name") || !g["bck"]["name"].IsString()
        || !g.HasMember("perm"))
      return refused("a bucket grant must look like {\"bck\": {\"name\": "
                     "\"b\", \"provider\": \"ais\"}, \"perm\": \"read\"}");
    auto& bck = g["bck"];
    if (bck.HasMember("provider") && bck["provider"].IsString()) {
      std::string_view provider{bck["provider"].GetString()};
      if (!provider.empty() && provider != "ais")
        continue; // moss stores ais:// buckets only
    }
    auto level = parse_access(g["perm"]);
    if (!level)
      return level.error();
    claims.buckets.push_back({bck["name"].GetString(), *level});
  }
  return claims;
}

std::string hmac_sha256_raw(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  return std::string{reinterpret_cast<char*>(mac), len};
}

} // namespace

const char* to_string(access a) {
  switch (a) {
  case access::read:
    return "read";
  case access::write:
    return "write";
  case access::admin:
    return "admin";
  }
  return "unknown";
}

bool token_claims::allows(const std::string& bucket, access level) const {
  if (admin)
    return true;
  for (auto& g : buckets)
    if (g.bucket == bucket && g.level >= level)
      return true;
  return false;
}

expected<std::shared_ptr<const token_verifier>>
token_verifier::make(std::string hmac_secret,
                     const std::string& rsa_public_key_pem) {
  std::shared_ptr<token_verifier> v{new token_verifier};
  v->hmac_secret_ = std::move(hmac_secret);
  if (!rsa_public_key_pem.empty()) {
    auto* bio = BIO_new_mem_buf(rsa_public_key_pem.data(),
                                static_cast<int>(rsa_public_key_pem.size()));
    auto* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr)
      return make_error(ec::invalid_argument,
                        "the RSA public key is not a PEM public key");
    v->rsa_key_ = key;
    if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA)
      return make_error(ec::invalid_argument,
                        "the public key is not an RSA key");
  }
  if (v->hmac_secret_.empty() && v->rsa_key_ == nullptr)
    return make_error(ec::invalid_argument,
                      "token verification needs an HMAC secret or an RSA "
                      "public key");
  return std::shared_ptr<const token_verifier>{std::move(v)};
}

token_verifier::~token_verifier() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(rsa_key_));
}

bool token_verifier::check_rs256(std::string_view signed_part,
                                 std::string_view signature) const {
  auto* ctx = EVP_MD_CTX_new();
  bool ok
      = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr,
                             static_cast<EVP_PKEY*>(rsa_key_))
            == 1
        && EVP_DigestVerify(
               ctx, reinterpret_cast<const unsigned char*>(signature.data()),
               signature.size(),
               reinterpret_cast<const unsigned char*>(signed_part.data()),
               signed_part.size())
               == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

expected<token_claims> token_verifier::verify(std::string_view token,
                                              int64_t now) const {
  auto first = token.find('.');
  auto second
      = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos
      || token.find('.', second + 1) != std::string_view::npos)
    return refused("a JWT has three dot-separated parts");
  auto header = decode_json_part(token.substr(0, first), "the header");
  if (!header)
    return header.error();
  auto alg = header->FindMember("alg");
  if (alg == header->MemberEnd() || !alg->value.IsString())
    return refused("the header names no \"alg\"");
  std::string_view algorithm{alg->value.GetString()};
  auto signed_part = token.substr(0, second);
  auto signature = base64_decode(token.substr(second + 1));
  if (!signature || signature->empty())
    return refused("the signature is missing or not base64url");
  if (algorithm == "HS256" && !hmac_secret_.empty()) {
    if (!same_secret(*signature, hmac_sha256_raw(hmac_secret_, signed_part)))
      return refused("the signature does not match");
  } else if (algorithm == "RS256" && rsa_key_ != nullptr) {
    if (!check_rs256(signed_part, *signature))
      return refused("the signature does not match");
  } else {
    return refused("algorithm \"" + std::string{algorithm}
                   + "\" is not accepted here");
  }
  auto payload = decode_json_part(token.substr(first + 1, second - first - 1),
                                  "the payload");
  if (!payload)
    return payload.error();
  auto claims = parse_claims(*payload);
  if (!claims)
    return claims.error();
  if (claims->expires <= now)
    return make_error(ec::unauthenticated, "the token has expired");
  if (auto nbf = payload->FindMember("nbf");
      nbf != payload->MemberEnd() && nbf->value.IsNumber()
      && static_cast<int64_t>(nbf->value.GetDouble()) > now + 60)
    return make_error(ec::unauthenticated, "the token is not valid yet");
  return claims;
}

std::string node_auth_value(std::string_view join_token,
                            std::string_view method, std::string_view path,
                            int64_t now) {
  auto expires = std::to_string(now + 60);
  std::string text{method};
  text += '\n';
  text += path;
  text += '\n';
  text += expires;
  return expires + "." + hmac_sha256_hex(join_token, text);
}

bool check_node_auth(std::string_view join_token, std::string_view value,
                     std::string_view method, std::string_view path,
                     int64_t now) {
  if (join_token.empty())
    return false;
  auto dot = value.find('.');
  if (dot == std::string_view::npos)
    return false;
  int64_t expires = 0;
  auto [end, err] = std::from_chars(value.data(), value.data() + dot, expires);
  if (err != std::errc{} || end != value.data() + dot || expires < now
      || expires > now + 120)
    return false;
  auto want = node_auth_value(join_token, method, path, expires - 60);
  return same_secret(value, want);
}

} // namespace moss
