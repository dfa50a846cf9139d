#include "archive/tar_index.hpp"

#include "archive/shard_reader.hpp"
#include "core/object_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace moss::archive {

namespace {

constexpr uint64_t block = 512;

bool read_at(int fd, char* buf, size_t n, uint64_t off) {
  return pread_all(fd, buf, n, off);
}

/// Octal or GNU base-256 numeric field.
bool parse_number(const char* field, size_t width, uint64_t& out) {
  auto first = static_cast<unsigned char>(field[0]);
  if (first & 0x80) {
    out = first & 0x7f;
    for (size_t i = 1; i < width; ++i)
      out = (out << 8) | static_cast<unsigned char>(field[i]);
    return true;
  }
  out = 0;
  size_t i = 0;
  while (i < width && (field[i] == ' ' || field[i] == '\0'))
    ++i;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    out = out * 8 + static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  return any || field[0] == '\0' || field[0] == ' ';
}

bool checksum_ok(const char* h) {
  uint64_t stored = 0;
  if (!parse_number(h + 148, 8, stored))
    return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < block; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  return sum == stored;
}

std::string field(const char* f, size_t width) {
  return std::string{f, strnlen(f, width)};
}

/// Applies the `path` and `size` records of a PAX extended header.
void parse_pax(std::string_view records, std::string& path, uint64_t& size,
               bool& has_size) {
  while (!records.empty()) {
    auto space = records.find(' ');
    if (space == std::string_view::npos)
      return;
    uint64_t len = 0;
    std::from_chars(records.data(), records.data() + space, len);
    if (len == 0 || len > records.size())
      return;
    auto rec = records.substr(space + 1, len - space - 2);
    auto eq = rec.find('=');
    if (eq != std::string_view::npos) {
      auto key = rec.substr(0, eq);
      auto value = rec.substr(eq + 1);
      if (key == "path")
        path = std::string{value};
      else if (key == "size") {
        std::from_chars(value.data(), value.data() + value.size(), size);
        has_size = true;
      }
    }
    records.remove_prefix(len);
  }
}

} // namespace

expected<tar_index> build_tar_index(int fd, uint64_t size,
                                    const std::string& what) {
  tar_index index;
  auto corrupt = [&](const std::string& why) {
    return make_error(ec::invalid_argument,
                      what + " is not a valid tar shard (" + why + ")");
  };
  std::string long_name, pax_path;
  uint64_t pax_size = 0;
  bool has_pax_size = false;
  uint64_t pos = 0;
  char h[block];
  while (pos + block <= size) {
    if (!read_at(fd, h, block, pos))
      return corrupt("read error at offset " + std::to_string(pos));
    bool zero = true;
    for (char c : h)
      if (c != '\0') {
        zero = false;
        break;
      }
    if (zero)
      break; // end-of-archive marker
    if (!checksum_ok(h))
      return corrupt("bad header checksum at offset " + std::to_string(pos));
    uint64_t member_size = 0;
    if (!parse_number(h + 124, 12, member_size))
      return corrupt("bad size field at offset " + std::to_string(pos));
    char type = h[156];
    auto data = pos + block;
    auto next = data + (member_size + block - 1) / block * block;
    if (type == 'x' || type == 'L') {
      if (member_size > (1 << 20) || data + member_size > size)
        return corrupt("oversized extended header");
      std::string ext(member_size, '\0');
      if (!read_at(fd, ext.data(), ext.size(), data))
        return corrupt("truncated extended header");
      if (type == 'L')
        long_name = field(ext.data(), ext.size());
      else
        parse_pax(ext, pax_path, pax_size, has_pax_size);
      pos = next;
      continue;
    }
    if (has_pax_size) {
      member_size = pax_size;
      next = data + (member_size + block - 1) / block * block;
    }
    std::string name;
    if (!pax_path.empty())
      name = pax_path;
    else if (!long_name.empty())
      name = long_name;
    else {
      name = field(h, 100);
      auto prefix = field(h + 345, 155);
      if (std::memcmp(h + 257, "ustar", 5) == 0 && !prefix.empty())
        name = prefix + "/" + name;
    }
    pax_path.clear();
    long_name.clear();
    has_pax_size = false;
    if (data + member_size > size)
      return corrupt("truncated member " + name);
    if (type == '0' || type == '\0' || type == '7')
      index.emplace(std::string{normalize_member_name(name)},
                    tar_member{data, member_size});
    pos = next;
  }
  return index;
}

std::string encode_tar_index(const tar_index& index) {
  std::string out;
  for (auto& [name, m] : index) {
    out += std::to_string(m.offset) + ' ' + std::to_string(m.size) + ' '
           + std::to_string(name.size()) + ' ' + name + '\n';
  }
  return out;
}

expected<tar_index> decode_tar_index(std::string_view text) {
  tar_index index;
  auto bad = make_error(ec::io_error, "corrupt tar index");
  while (!text.empty()) {
    uint64_t nums[3];
    for (auto& n : nums) {
      auto [end, err]
          = std::from_chars(text.data(), text.data() + text.size(), n);
      if (err != std::errc{} || end == text.data() + text.size() || *end != ' ')
        return bad;
      text.remove_prefix(static_cast<size_t>(end - text.data()) + 1);
    }
    if (nums[2] + 1 > text.size() || text[nums[2]] != '\n')
      return bad;
    index.emplace(std::string{text.substr(0, nums[2])},
                  tar_member{nums[0], nums[1]});
    text.remove_prefix(nums[2] + 1);
  }
  return index;
}

} // namespace moss::archive
