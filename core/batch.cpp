#include "core/batch.hpp"

#include "core/names.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace moss {

const char* extension(archive_format fmt) {
  switch (fmt) {
  case archive_format::tar:
    return ".tar";
  case archive_format::tgz:
    return ".tgz";
  case archive_format::tar_gz:
    return ".tar.gz";
  case archive_format::zip:
    return ".zip";
  case archive_format::tar_lz4:
    return ".tar.lz4";
  }
  return ".tar";
}

const char* content_type(archive_format fmt) {
  switch (fmt) {
  case archive_format::tar:
    return "application/x-tar";
  case archive_format::tgz:
  case archive_format::tar_gz:
    return "application/gzip";
  case archive_format::zip:
    return "application/zip";
  case archive_format::tar_lz4:
    return "application/x-lz4";
  }
  return "application/octet-stream";
}

expected<archive_format> normalize_mime(std::string_view mime) {
  if (mime.empty())
    return archive_format::tar;
  if (mime.find("tar.gz") != std::string_view::npos)
    return archive_format::tar_gz;
  if (mime.find("tar.lz4") != std::string_view::npos)
    return archive_format::tar_lz4;
  for (auto fmt :
       {archive_format::tar, archive_format::tgz, archive_format::tar_gz,
        archive_format::zip, archive_format::tar_lz4})
    if (mime.find(extension(fmt) + 1) != std::string_view::npos)
      return fmt;
  return make_error(ec::invalid_argument,
                    "unsupported mime \"" + std::string{mime}
                        + "\" (use .tar, .tgz, .tar.gz, .zip or .tar.lz4)");
}

namespace {

/// Whether member `name` is `key` (lowercase ASCII letters), ignoring case
/// as Go's decoder does for ASCII.
bool same_key(std::string_view name, std::string_view key) {
  if (name.size() != key.size())
    return false;
  for (size_t i = 0; i < key.size(); ++i)
    if ((name[i] | 0x20) != key[i]) // only 'A'-'Z' fold onto 'a'-'z'
      return false;
  return true;
}

/// The first member named `key`, case ignored.
const rapidjson::Value* member(const rapidjson::Value& obj,
                               std::string_view key) {
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
    if (same_key({it->name.GetString(), it->name.GetStringLength()}, key))
      return &it->value;
  return nullptr;
}

/// The fields of one `MossIn`, found in one pass over its members (a batch
/// has up to 100,000 entries; the first member of each name counts, as
/// with `member`).
struct entry_members {
  enum field {
    objname,
    bucket,
    provider,
    uname,
    archpath,
    opaque,
    start,
    length,
    count
  };
  static constexpr std::array<std::string_view, count> keys{
      "objname",  "bucket", "provider", "uname",
      "archpath", "opaque", "start",    "length"};
  std::array<const rapidjson::Value*, count> values{};

  explicit entry_members(const rapidjson::Value& item) {
    for (auto it = item.MemberBegin(); it != item.MemberEnd(); ++it) {
      std::string_view name{it->name.GetString(), it->name.GetStringLength()};
      for (size_t k = 0; k < count; ++k)
        if (values[k] == nullptr && same_key(name, keys[k])) {
          values[k] = &it->value;
          break;
        }
    }
  }
};

error entry_error(size_t index, const std::string& what) {
  return make_error(ec::invalid_argument,
                    "in[" + std::to_string(index) + "]: " + what);
}

expected<std::string_view> string_field(const entry_members& m,
                                        entry_members::field f, size_t index) {
  auto v = m.values[f];
  if (v == nullptr || v->IsNull())
    return std::string_view{};
  if (!v->IsString())
    return entry_error(index, "\"" + std::string{entry_members::keys[f]}
                                  + "\" must be a string");
  return std::string_view{v->GetString(), v->GetStringLength()};
}

expected<int64_t> int_field(const entry_members& m, entry_members::field f,
                            size_t index) {
  auto v = m.values[f];
  if (v == nullptr || v->IsNull())
    return int64_t{0};
  if (!v->IsInt64())
    return entry_error(index, "\"" + std::string{entry_members::keys[f]}
                                  + "\" must be an integer");
  return v->GetInt64();
}

expected<bool> bool_field(const rapidjson::Value& obj, std::string_view key) {
  auto v = member(obj, key);
  if (v == nullptr || v->IsNull())
    return false;
  if (!v->IsBool())
    return make_error(ec::invalid_argument,
                      "\"" + std::string{key} + "\" must be true or false");
  return v->GetBool();
}

/// `provider/ns/bucket/` (global namespace `@#`) -> bucket and provider.
expected<std::pair<std::string, std::string>> parse_uname(const std::string& u,
                                                          size_t index) {
  auto first = u.find('/');
  auto second = first == std::string::npos ? first : u.find('/', first + 1);
  auto third = second == std::string::npos ? second : u.find('/', second + 1);
  if (third == std::string::npos)
    return entry_error(index, "invalid uname \"" + u
                                  + "\" (expected provider/@#/bucket/)");
  auto provider = normalize_provider(u.substr(0, first));
  if (!provider)
    return entry_error(index, provider.error().message);
  if (u.substr(first + 1, second - first - 1) != "@#")
    return entry_error(
        index, "uname \"" + u + "\": moss has only the global namespace @#");
  return std::make_pair(u.substr(second + 1, third - second - 1), *provider);
}

} // namespace

expected<batch_request> parse_batch_request(std::string_view body,
                                            const std::string& url_bucket,
                                            const std::string& url_provider,
                                            uint32_t max_entries) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(ec::invalid_argument,
                      "a GetBatch request needs a JSON body (MossReq: "
                      "{\"in\": [{\"objname\": ...}, ...]}); this one has "
                      "none");
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return make_error(ec::invalid_argument,
                      std::string{"invalid GetBatch request (not JSON): "}
                          + rapidjson::GetParseError_En(doc.GetParseError())
                          + " at offset "
                          + std::to_string(doc.GetErrorOffset()));
  if (!doc.IsObject())
    return make_error(ec::invalid_argument,
                      "a GetBatch request is a JSON object (MossReq)");
  batch_request req;
  std::string mime;
  if (auto v = member(doc, "mime"); v != nullptr && !v->IsNull()) {
    if (!v->IsString())
      return make_error(ec::invalid_argument, "\"mime\" must be a string");
    mime = v->GetString();
  }
  auto fmt = normalize_mime(mime);
  if (!fmt)
    return fmt.error();
  req.format = *fmt;
  for (auto [key, out] : {std::pair{"coer", &req.coer},
                          {"onob", &req.onob},
                          {"strm", &req.strm}}) {
    auto b = bool_field(doc, key);
    if (!b)
      return b.error();
    *out = *b;
  }
  auto in = member(doc, "in");
  if (in == nullptr || in->IsNull() || (in->IsArray() && in->Empty()))
    return make_error(ec::invalid_argument, "moss: empty input (\"in\")");
  if (!in->IsArray())
    return make_error(ec::invalid_argument, "\"in\" must be an array");
  if (in->Size() > max_entries)
    return make_error(ec::too_large, "GetBatch request has "
                                         + std::to_string(in->Size())
                                         + " entries; the limit is "
                                         + std::to_string(max_entries));
  auto default_provider = normalize_provider(url_provider);
  if (!default_provider)
    return default_provider.error();
  req.entries.reserve(in->Size());
  std::string last_valid_bucket;
  size_t index = 0;
  for (auto& item : in->GetArray()) {
    if (!item.IsObject())
      return entry_error(index, "each entry is a JSON object (MossIn)");
    batch_entry e;
    entry_members m{item};
    using f = entry_members::field;
    auto objname = string_field(m, f::objname, index);
    auto bucket = string_field(m, f::bucket, index);
    auto provider = string_field(m, f::provider, index);
    auto uname = string_field(m, f::uname, index);
    auto archpath = string_field(m, f::archpath, index);
    auto opaque = string_field(m, f::opaque, index);
    auto start = int_field(m, f::start, index);
    auto length = int_field(m, f::length, index);
    for (auto* r : {&objname, &bucket, &provider, &uname, &archpath, &opaque})
      if (!*r)
        return r->error();
    for (auto* r : {&start, &length})
      if (!*r)
        return r->error();
    if (!provider->empty())
      if (auto p = normalize_provider(*provider); !p)
        return entry_error(index, p.error().message);
    e.objname = *objname;
    if (auto r = validate_object_name(e.objname); !r)
      return entry_error(index, r.error().message);
    if (!uname->empty()) {
      auto parsed = parse_uname(std::string{*uname}, index);
      if (!parsed)
        return parsed.error();
      e.bucket = parsed->first;
      e.provider = parsed->second;
    } else if (!bucket->empty()) {
      e.bucket = *bucket;
      auto p = normalize_provider(*provider);
      if (!p)
        return entry_error(index, p.error().message);
      e.provider = *p;
    } else if (!url_bucket.empty()) {
      e.bucket = url_bucket;
      e.provider = *default_provider;
    } else {
      return entry_error(index, "missing bucket specification (no \"bucket\""
                                " in the entry and none in the URL)");
    }
    // Entries mostly name one bucket: validated once.
    if (e.bucket != last_valid_bucket) {
      if (auto r = validate_bucket_name(e.bucket); !r)
        return entry_error(index, r.error().message);
      last_valid_bucket = e.bucket;
    }
    e.archpath = *archpath;
    if (!e.archpath.empty())
      if (auto r = validate_archpath(e.archpath); !r)
        return entry_error(index, r.error().message);
    if (!opaque->empty()) {
      auto decoded = base64_decode(*opaque);
      if (!decoded)
        return entry_error(index, "\"opaque\": " + decoded.error().message);
      e.opaque = std::move(*decoded);
      e.has_opaque = true;
    }
    e.start = *start;
    e.length = *length;
    if (e.start < 0)
      return entry_error(index, "\"start\" must not be negative");
    if (e.length < -1)
      return entry_error(index, "\"length\" must be -1, 0 or positive");
    if (e.start != 0 && e.length == 0)
      return entry_error(index, "\"start\" without \"length\" (use -1 for "
                                "\"to the end\")");
    req.entries.push_back(std::move(e));
    ++index;
  }
  return req;
}

std::string name_in_archive(const batch_entry& e, bool onob) {
  std::string name = onob ? e.objname : e.bucket + "/" + e.objname;
  if (!e.archpath.empty()) {
    name += "/";
    name += e.archpath.front() == '/' ? e.archpath.substr(1) : e.archpath;
  }
  return name;
}

std::string missing_name(const batch_entry& e, bool onob) {
  return "__404__/" + name_in_archive(e, onob);
}

std::string base64_encode(std::string_view data) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                     "opqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16)
                 | (static_cast<uint8_t>(data[i + 1]) << 8)
                 | static_cast<uint8_t>(data[i + 2]);
    for (int shift : {18, 12, 6, 0})
      out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size())
      v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

expected<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+' || c == '-')
      return 62;
    if (c == '/' || c == '_')
      return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  if (text.size() % 4 == 1)
    return make_error(ec::invalid_argument, "invalid base64 length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0)
      return make_error(ec::invalid_argument,
                        std::string{"invalid base64 character '"} + c + "'");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

void batch_plan::add_owner(const std::string& id) {
  auto [it, added]
      = owner_slots_.try_emplace(id, static_cast<uint16_t>(owner_ids.size()));
  if (added)
    owner_ids.push_back(id);
  owners.push_back(it->second);
}

} // namespace moss
