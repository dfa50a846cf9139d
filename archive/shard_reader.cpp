#include "archive/shard_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <clocale>
#include <memory>

namespace moss::archive {

const char* to_string(shard_format fmt) {
  switch (fmt) {
  case shard_format::tar:
    return "tar";
  case shard_format::tgz:
    return "tar.gz";
  case shard_format::tar_lz4:
    return "tar.lz4";
  case shard_format::zip:
    return "zip";
  }
  return "?";
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace

expected<shard_format> detect_shard_format(std::string_view objname,
                                           std::string_view head,
                                           const std::string& what) {
  if (ends_with(objname, ".tar"))
    return shard_format::tar;
  if (ends_with(objname, ".tgz") || ends_with(objname, ".tar.gz"))
    return shard_format::tgz;
  if (ends_with(objname, ".tar.lz4"))
    return shard_format::tar_lz4;
  if (ends_with(objname, ".zip"))
    return shard_format::zip;
  if (head.size() >= 262 && head.substr(257, 5) == "ustar")
    return shard_format::tar;
  if (head.size() >= 2 && head[0] == '\x1f' && head[1] == '\x8b')
    return shard_format::tgz;
  if (head.size() >= 2 && head.substr(0, 2) == "PK")
    return shard_format::zip;
  if (head.size() >= 4
      && head.substr(0, 4) == std::string_view{"\x04\x22\x4d\x18", 4})
    return shard_format::tar_lz4;
  return make_error(ec::invalid_argument,
                    what
                        + " is not a shard: unrecognized or unsupported "
                          "archive format (expected tar, tar.gz, tar.lz4 "
                          "or zip)");
}

std::string_view normalize_member_name(std::string_view path) {
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  return path;
}

expected<size_t> extract_members(
    int fd, uint64_t size, shard_format fmt,
    const std::set<std::string>& wanted,
    const std::function<void(const std::string&, std::string)>& found,
    const shard_limits& limits, const std::string& what) {
  // libarchive converts member names through the locale.
  static const bool utf8 = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
  static_cast<void>(utf8);
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a{
      archive_read_new(), archive_read_free};
  auto* ar = a.get();
  switch (fmt) {
  case shard_format::tar:
    archive_read_support_format_tar(ar);
    break;
  case shard_format::tgz:
    archive_read_support_filter_gzip(ar);
    archive_read_support_format_tar(ar);
    break;
  case shard_format::tar_lz4:
    archive_read_support_filter_lz4(ar);
    archive_read_support_format_tar(ar);
    break;
  case shard_format::zip:
    archive_read_support_format_zip_seekable(ar);
    break;
  }
  auto corrupt = [&](const char* stage) {
    const char* msg = archive_error_string(ar);
    return make_error(ec::invalid_argument,
                      what + " is not a valid " + to_string(fmt) + " shard ("
                          + stage + ": " + (msg ? msg : "unknown error") + ")");
  };
  if (archive_read_open_fd(ar, fd, 64 * 1024) != ARCHIVE_OK)
    return corrupt("open");
  std::set<std::string> remaining = wanted;
  size_t hits = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(ar, &entry);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc < ARCHIVE_WARN)
      return corrupt("header");
    auto expanded = static_cast<uint64_t>(archive_filter_bytes(ar, 0));
    if (fmt != shard_format::tar && expanded > limits.ratio_floor_bytes
        && expanded / std::max<uint64_t>(size, 1) > limits.max_ratio)
      return make_error(ec::invalid_argument,
                        what + " expands more than "
                            + std::to_string(limits.max_ratio)
                            + " times its size: refusing it as a "
                              "decompression bomb");
    if (archive_entry_filetype(entry) != AE_IFREG)
      continue;
    const char* raw = archive_entry_pathname_utf8(entry);
    if (raw == nullptr)
      raw = archive_entry_pathname(entry);
    if (raw == nullptr)
      continue;
    std::string name{normalize_member_name(raw)};
    auto it = remaining.find(name);
    if (it == remaining.end())
      continue;
    if (archive_entry_is_encrypted(entry))
      return make_error(ec::invalid_argument,
                        name + " in " + what + " is encrypted");
    auto member_size = archive_entry_size_is_set(entry)
                           ? static_cast<uint64_t>(archive_entry_size(entry))
                           : 0;
    if (member_size > limits.max_member_bytes)
      return make_error(ec::too_large,
                        name + " in " + what + " is larger than "
                            + std::to_string(limits.max_member_bytes)
                            + " bytes");
    std::string data;
    data.reserve(member_size);
    char buf[64 * 1024];
    for (;;) {
      auto n = archive_read_data(ar, buf, sizeof(buf));
      if (n == 0)
        break;
      if (n < 0)
        return corrupt("data");
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > limits.max_member_bytes)
        return make_error(ec::too_large,
                          name + " in " + what + " is larger than "
                              + std::to_string(limits.max_member_bytes)
                              + " bytes");
    }
    found(name, std::move(data));
    ++hits;
    remaining.erase(it);
    if (remaining.empty())
      break;
  }
  return hits;
}

} // namespace moss::archive
