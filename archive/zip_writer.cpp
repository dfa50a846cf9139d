#include "archive/writers.hpp"

#include <zlib.h>

#include <ctime>
#include <vector>

namespace moss::archive {

namespace {

constexpr uint32_t u32_max = 0xFFFFFFFFu;

void le16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

void le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void le64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

/// MS-DOS date and time; DOS time starts in 1980.
std::pair<uint16_t, uint16_t> dos_time(int64_t mtime) {
  std::time_t t = static_cast<std::time_t>(mtime);
  std::tm tm{};
  gmtime_r(&t, &tm);
  if (tm.tm_year < 80)
    return {0x0021, 0}; // 1980-01-01 00:00
  auto date = static_cast<uint16_t>(((tm.tm_year - 80) << 9)
                                    | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  auto time = static_cast<uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5)
                                    | (tm.tm_sec / 2));
  return {date, time};
}

/// A streaming ZIP: stored (uncompressed) entries, as AIStore writes them,
/// each followed by a data descriptor; ZIP64 records where sizes, offsets
/// or the entry count need them.
class zip_writer : public writer {
 public:
  void begin_entry(const std::string& name, uint64_t size,
                   int64_t mtime_sec) override {
    entry e;
    e.name = name;
    e.size = size;
    e.offset = offset_;
    e.zip64 = size >= u32_max || offset_ >= u32_max;
    std::tie(e.date, e.time) = dos_time(mtime_sec);
    std::string h;
    le32(h, 0x04034b50);
    le16(h, e.zip64 ? 45 : 20);
    le16(h, flags);
    le16(h, 0); // stored
    le16(h, e.time);
    le16(h, e.date);
    le32(h, 0); // crc and sizes follow in the data descriptor
    le32(h, e.zip64 ? u32_max : 0);
    le32(h, e.zip64 ? u32_max : 0);
    le16(h, static_cast<uint16_t>(name.size()));
    le16(h, e.zip64 ? 20 : 0);
    h += name;
    if (e.zip64) {
      le16(h, 0x0001);
      le16(h, 16);
      le64(h, 0);
      le64(h, 0);
    }
    emit(h);
    crc_ = crc32(0L, Z_NULL, 0);
    entries_.push_back(std::move(e));
  }

  void write(const char* data, size_t size) override {
    crc_ = crc32(crc_, reinterpret_cast<const Bytef*>(data),
                 static_cast<uInt>(size));
    out_.append(data, size);
    offset_ += size;
  }

  void end_entry() override {
    auto& e = entries_.back();
    e.crc = static_cast<uint32_t>(crc_);
    std::string d;
    le32(d, 0x08074b50);
    le32(d, e.crc);
    if (e.zip64) {
      le64(d, e.size);
      le64(d, e.size);
    } else {
      le32(d, static_cast<uint32_t>(e.size));
      le32(d, static_cast<uint32_t>(e.size));
    }
    emit(d);
  }

  void finish() override {
    auto cd_offset = offset_;
    for (auto& e : entries_) {
      bool big_size = e.size >= u32_max;
      bool big_offset = e.offset >= u32_max;
      std::string extra;
      if (big_size) {
        le64(extra, e.size);
        le64(extra, e.size);
      }
      if (big_offset)
        le64(extra, e.offset);
      std::string c;
      le32(c, 0x02014b50);
      le16(c, (3 << 8) | 45); // made by: Unix, spec 4.5
      le16(c, e.zip64 || big_offset ? 45 : 20);
      le16(c, flags);
      le16(c, 0);
      le16(c, e.time);
      le16(c, e.date);
      le32(c, e.crc);
      le32(c, big_size ? u32_max : static_cast<uint32_t>(e.size));
      le32(c, big_size ? u32_max : static_cast<uint32_t>(e.size));
      le16(c, static_cast<uint16_t>(e.name.size()));
      le16(c, static_cast<uint16_t>(extra.empty() ? 0 : extra.size() + 4));
      le16(c, 0); // comment
      le16(c, 0); // disk
      le16(c, 0); // internal attributes
      le32(c, 0100644u << 16);
      le32(c, big_offset ? u32_max : static_cast<uint32_t>(e.offset));
      c += e.name;
      if (!extra.empty()) {
        le16(c, 0x0001);
        le16(c, static_cast<uint16_t>(extra.size()));
        c += extra;
      }
      emit(c);
    }
    auto cd_size = offset_ - cd_offset;
    auto count = entries_.size();
    bool zip64 = count >= 0xFFFF || cd_offset >= u32_max || cd_size >= u32_max;
    std::string end;
    if (zip64) {
      auto record_offset = offset_;
      le32(end, 0x06064b50);
      le64(end, 44);
      le16(end, 45);
      le16(end, 45);
      le32(end, 0);
      le32(end, 0);
      le64(end, count);
      le64(end, count);
      le64(end, cd_size);
      le64(end, cd_offset);
      le32(end, 0x07064b50);
      le32(end, 0);
      le64(end, record_offset);
      le32(end, 1);
    }
    le32(end, 0x06054b50);
    le16(end, 0);
    le16(end, 0);
    auto short_count = static_cast<uint16_t>(zip64 ? 0xFFFF : count);
    le16(end, short_count);
    le16(end, short_count);
    le32(end, zip64 ? u32_max : static_cast<uint32_t>(cd_size));
    le32(end, zip64 ? u32_max : static_cast<uint32_t>(cd_offset));
    le16(end, 0);
    emit(end);
    entries_.clear();
  }

 private:
  static constexpr uint16_t flags = 0x0808; // data descriptor, UTF-8 names

  struct entry {
    std::string name;
    uint64_t size = 0;
    uint64_t offset = 0;
    uint32_t crc = 0;
    uint16_t date = 0;
    uint16_t time = 0;
    bool zip64 = false;
  };

  void emit(const std::string& bytes) {
    out_ += bytes;
    offset_ += bytes.size();
  }

  std::vector<entry> entries_;
  uint64_t offset_ = 0;
  uLong crc_ = 0;
};

} // namespace

std::unique_ptr<writer> make_zip_writer() {
  return std::make_unique<zip_writer>();
}

} // namespace moss::archive
