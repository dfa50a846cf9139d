#pragma once

// The concrete writers behind `make_writer`.

#include "archive/writer.hpp"

#include <memory>

namespace moss::archive {

class tar_writer : public writer {
 public:
  void begin_entry(const std::string& name, uint64_t size,
                   int64_t mtime_sec) override;
  void write(const char* data, size_t size) override;
  void write_owned(std::string data) override;
  void write_file(std::shared_ptr<const file_span> span) override;
  void write_peer(std::shared_ptr<const peer_span> span) override;
  void end_entry() override;
  void finish() override;

 private:
  uint64_t entry_size_ = 0;
};

/// A byte-stream compressor (gzip or LZ4 frame).
class compressor {
 public:
  virtual ~compressor() = default;
  virtual void update(const char* data, size_t size, std::string& out) = 0;
  virtual void flush(std::string& out) = 0;
  virtual void end(std::string& out) = 0;
};

std::unique_ptr<compressor> make_gzip_compressor(int level);
std::unique_ptr<compressor> make_lz4_compressor();

/// TAR whose bytes go through a compressor.
class compressed_tar_writer : public writer {
 public:
  explicit compressed_tar_writer(std::unique_ptr<compressor> c)
      : compressor_(std::move(c)) {
    // nop
  }
  void begin_entry(const std::string& name, uint64_t size,
                   int64_t mtime_sec) override;
  void write(const char* data, size_t size) override;
  void end_entry() override;
  void flush() override;
  void finish() override;

 private:
  void pump();

  tar_writer tar_;
  std::unique_ptr<compressor> compressor_;
};

std::unique_ptr<writer> make_zip_writer();

} // namespace moss::archive
