#include "http/list_encoding.hpp"

#include "core/json.hpp"

#include <msgpack.hpp>

#include <ctime>

namespace moss::http {

std::string format_http_date(int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

namespace {

void pack_str(msgpack::packer<msgpack::sbuffer>& pk, const std::string& s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

} // namespace

std::string encode_list_msgpack(const list_page& page,
                                const std::string& uuid) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_map(4);
  pack_str(pk, "UUID");
  pack_str(pk, uuid);
  pack_str(pk, "ContinuationToken");
  pack_str(pk, page.continuation_token);
  pack_str(pk, "Flags");
  pk.pack_uint32(0);
  pack_str(pk, "Entries");
  if (page.entries.empty()) {
    pk.pack_nil();
  } else {
    pk.pack_array(static_cast<uint32_t>(page.entries.size()));
    for (auto& e : page.entries) {
      pk.pack_map(8);
      pack_str(pk, "n");
      pack_str(pk, e.name);
      pack_str(pk, "cs");
      pack_str(pk, checksum_hex(e.meta.checksum));
      pack_str(pk, "a");
      pack_str(pk, format_http_date(e.meta.mtime_ns));
      pack_str(pk, "v");
      pack_str(pk, std::to_string(e.meta.version));
      pack_str(pk, "t");
      pack_str(pk, "");
      pack_str(pk, "s");
      pk.pack_int64(static_cast<int64_t>(e.meta.size));
      pack_str(pk, "c");
      pk.pack_int16(1);
      pack_str(pk, "f");
      pk.pack_uint16(0);
    }
  }
  return std::string{buf.data(), buf.size()};
}

std::string encode_list_json(const list_page& page, const std::string& uuid) {
  json_writer w;
  w.begin_object();
  w.key("uuid").string(uuid);
  w.key("continuation_token").string(page.continuation_token);
  w.key("flags").integer(0);
  w.key("entries").begin_array();
  for (auto& e : page.entries) {
    w.begin_object();
    w.key("name").string(e.name);
    w.key("size").integer(static_cast<int64_t>(e.meta.size));
    w.key("checksum").string(checksum_hex(e.meta.checksum));
    w.key("atime").string(format_http_date(e.meta.mtime_ns));
    w.key("version").string(std::to_string(e.meta.version));
    w.key("copies").integer(1);
    w.key("flags").integer(0);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

} // namespace moss::http
