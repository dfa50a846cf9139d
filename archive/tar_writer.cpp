#include "archive/writer.hpp"
#include "archive/writers.hpp"

#include <cstdio>
#include <cstring>

namespace moss::archive {

namespace {

constexpr size_t block = 512;

/// Writes `value` as zero-padded octal into `width - 1` digits plus NUL.
/// Callers only pass values that fit (larger sizes go to PAX records).
void put_octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i > 0; --i) {
    field[i - 1] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

std::string pax_record(const std::string& key, const std::string& value) {
  // "<len> <key>=<value>\n" where <len> counts the whole record.
  auto body = " " + key + "=" + value + "\n";
  auto len = body.size() + 1;
  while (std::to_string(len).size() + body.size() != len)
    len = std::to_string(len).size() + body.size();
  return std::to_string(len) + body;
}

/// Splits `name` into USTAR prefix (<= 155) and name (<= 100) at a '/'.
/// Never after another '/': readers join the two with one, except after a
/// prefix that ends with one (libarchive), which would drop a slash of "//".
bool ustar_split(const std::string& name, std::string& prefix,
                 std::string& base) {
  if (name.size() <= 100) {
    prefix.clear();
    base = name;
    return true;
  }
  for (auto pos = name.rfind('/'); pos != std::string::npos && pos > 0;
       pos = name.rfind('/', pos - 1)) {
    if (pos <= 155 && name.size() - pos - 1 <= 100 && name.size() - pos > 1
        && name[pos - 1] != '/') {
      prefix = name.substr(0, pos);
      base = name.substr(pos + 1);
      return true;
    }
    if (pos == 0)
      break;
  }
  return false;
}

std::string ustar_block(const std::string& prefix, const std::string& name,
                        uint64_t size, int64_t mtime, char type) {
  std::string h(block, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
  put_octal(&h[100], 8, 0644);
  put_octal(&h[108], 8, 0);
  put_octal(&h[116], 8, 0);
  put_octal(&h[124], 12, size);
  put_octal(&h[136], 12, static_cast<uint64_t>(mtime < 0 ? 0 : mtime));
  std::memset(&h[148], ' ', 8);
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memcpy(&h[345], prefix.data(), std::min<size_t>(prefix.size(), 155));
  unsigned sum = 0;
  for (unsigned char c : h)
    sum += c;
  std::snprintf(&h[148], 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

} // namespace

std::string tar_header(const std::string& name, uint64_t size,
                       int64_t mtime_sec) {
  constexpr uint64_t max_octal_size = 077777777777ULL; // 11 octal digits
  std::string prefix, base;
  bool fits = ustar_split(name, prefix, base);
  bool big = size > max_octal_size;
  if (fits && !big)
    return ustar_block(prefix, base, size, mtime_sec, '0');
  std::string records;
  if (!fits)
    records += pax_record("path", name);
  if (big)
    records += pax_record("size", std::to_string(size));
  auto pax_name = "PaxHeaders/" + name.substr(0, 80);
  std::string out = ustar_block("", pax_name, records.size(), mtime_sec, 'x');
  out += records;
  out.append((block - records.size() % block) % block, '\0');
  if (!fits) {
    base = name.substr(0, 100);
    prefix.clear();
  }
  out += ustar_block(prefix, base, big ? 0 : size, mtime_sec, '0');
  return out;
}

uint64_t framing_bytes(size_t name_size, uint64_t size) {
  uint64_t padding = (block - size % block) % block;
  if (name_size <= 100)
    return block + padding;
  // A PAX header block, its records (name plus a few dozen bytes, padded),
  // then the USTAR header.
  uint64_t records = name_size + 64;
  return 2 * block + (records + block - 1) / block * block + padding;
}

void tar_writer::begin_entry(const std::string& name, uint64_t size,
                             int64_t mtime_sec) {
  out_ += tar_header(name, size, mtime_sec);
  entry_size_ = size;
}

void tar_writer::write(const char* data, size_t size) {
  out_.append(data, size);
}

void tar_writer::write_owned(std::string data) {
  // Copying small pieces together beats many tiny writes.
  constexpr size_t adopt_from = 64 << 10;
  if (data.size() < adopt_from)
    return write(data.data(), data.size());
  adopt({std::move(data), nullptr, nullptr});
}

void tar_writer::write_file(std::shared_ptr<const file_span> span) {
  adopt({{}, std::move(span), nullptr});
}

void tar_writer::write_peer(std::shared_ptr<const peer_span> span) {
  adopt({{}, nullptr, std::move(span)});
}

void tar_writer::end_entry() {
  out_.append((block - entry_size_ % block) % block, '\0');
}

void tar_writer::finish() {
  out_.append(2 * block, '\0');
}

} // namespace moss::archive
