// Streams one GetBatch and handles each sample as soon as its bytes arrive,
// the way a training loop consumes a batch: no temporary file, no waiting for
// the whole archive.
//
//   stream_batch ENDPOINT BUCKET OBJECT...
//
// prints "<member name> <size> <first bytes in hex>" per sample, in request
// order, then a summary line.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/client.hpp"

namespace {

/// Turns a TAR byte stream, fed in pieces of any size, into samples.
/// Enough TAR for a GetBatch: ustar headers, PAX `path` records (long names),
/// regular files.
class tar_stream {
 public:
  template <class OnSample>
  void feed(const char* data, size_t size, OnSample&& on_sample) {
    buf_.append(data, size);
    for (;;) {
      if (need_ == 0) {
        if (buf_.size() < 512)
          return;
        auto header = buf_.substr(0, 512);
        buf_.erase(0, 512);
        if (header[0] == '\0')
          continue; // end-of-archive blocks
        type_ = header[156];
        size_ = std::strtoull(header.substr(124, 12).c_str(), nullptr, 8);
        name_ = header.substr(0, header.find('\0'));
        if (auto prefix = header.substr(345, 155); prefix[0] != '\0')
          name_ = prefix.substr(0, prefix.find('\0')) + "/" + name_;
        if (!pax_path_.empty() && type_ != 'x') {
          name_ = pax_path_;
          pax_path_.clear();
        }
        need_ = (size_ + 511) / 512 * 512 + 1; // +1: "header seen"
        continue;
      }
      auto padded = need_ - 1;
      if (buf_.size() < padded)
        return;
      auto body = buf_.substr(0, size_);
      buf_.erase(0, padded);
      need_ = 0;
      if (type_ == 'x')
        pax_path_ = path_record(body);
      else
        on_sample(name_, body);
    }
  }

 private:
  /// The `path` of PAX records ("<len> path=<value>\n" ...).
  static std::string path_record(const std::string& records) {
    size_t pos = 0;
    while (pos < records.size()) {
      auto space = records.find(' ', pos);
      auto len = std::strtoull(records.c_str() + pos, nullptr, 10);
      if (space == std::string::npos || len == 0)
        break;
      auto record = records.substr(space + 1, pos + len - space - 2);
      if (record.rfind("path=", 0) == 0)
        return record.substr(5);
      pos += len;
    }
    return {};
  }

  std::string buf_;
  size_t need_ = 0;
  uint64_t size_ = 0;
  char type_ = '0';
  std::string name_;
  std::string pax_path_;
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ENDPOINT BUCKET OBJECT...\n", argv[0]);
    return 2;
  }
  moss::client::cluster_client cluster{argv[1]};
  std::vector<moss::client::batch_entry> entries;
  for (int i = 3; i < argc; ++i)
    entries.push_back({argv[i], {}, {}, 0, 0});
  moss::client::batch_options options;
  options.continue_on_error = true; // a missing sample is an empty __404__/
  tar_stream tar;
  size_t samples = 0;
  uint64_t bytes = 0;
  auto result = cluster.get_batch(
      argv[2], entries, options,
      [&](const char* data, size_t size) -> moss::expected<void> {
        tar.feed(data, size,
                 [&](const std::string& name, const std::string& body) {
                   std::string head;
                   for (size_t i = 0; i < body.size() && i < 4; ++i) {
                     char hex[3];
                     std::snprintf(hex, sizeof hex, "%02x",
                                   static_cast<unsigned char>(body[i]));
                     head += hex;
                   }
                   std::printf("%s %zu %s\n", name.c_str(), body.size(),
                               head.c_str());
                   ++samples;
                   bytes += body.size();
                 });
        return {};
      });
  if (!result) {
    std::fprintf(stderr, "GetBatch failed: %s\n",
                 result.error().message.c_str());
    return 1;
  }
  std::printf("%zu samples, %llu bytes\n", samples,
              static_cast<unsigned long long>(bytes));
  return 0;
}
