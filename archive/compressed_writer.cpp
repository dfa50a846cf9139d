#include "archive/writers.hpp"

#include <isa-l/igzip_lib.h>
#include <lz4frame.h>

#include <stdexcept>
#include <vector>

namespace moss::archive {

namespace {

/// Gzip by ISA-L's igzip: at level 1 about 6-10x zlib's speed at the same
/// ratio (`bench/deflate_bench.cpp`), and TGZ output is CPU-bound.
class gzip_compressor : public compressor {
 public:
  explicit gzip_compressor(int level) : level_buf_(level_buffer_size(level)) {
    isal_deflate_init(&zs_);
    zs_.level = static_cast<uint32_t>(level);
    zs_.level_buf = level_buf_.data();
    zs_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    // A gzip wrapper, as `gzip` and `tar -z` expect.
    zs_.gzip_flag = IGZIP_GZIP;
  }
  void update(const char* data, size_t size, std::string& out) override {
    run(data, size, NO_FLUSH, false, out);
  }
  void flush(std::string& out) override {
    run(nullptr, 0, SYNC_FLUSH, false, out);
  }
  void end(std::string& out) override {
    run(nullptr, 0, SYNC_FLUSH, true, out);
  }

 private:
  static size_t level_buffer_size(int level) {
    switch (level) {
    case 0:
      return ISAL_DEF_LVL0_DEFAULT;
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    default:
      return ISAL_DEF_LVL3_DEFAULT;
    }
  }

  void run(const char* data, size_t size, uint16_t flush, bool last,
           std::string& out) {
    zs_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data));
    zs_.avail_in = static_cast<uint32_t>(size);
    zs_.flush = flush;
    zs_.end_of_stream = last ? 1 : 0;
    uint8_t buf[64 * 1024];
    for (;;) {
      zs_.next_out = buf;
      zs_.avail_out = sizeof(buf);
      if (isal_deflate(&zs_) != COMP_OK)
        throw std::runtime_error("isal_deflate failed");
      out.append(reinterpret_cast<char*>(buf), sizeof(buf) - zs_.avail_out);
      if (last ? zs_.internal_state.state == ZSTATE_END
               : zs_.avail_in == 0 && zs_.avail_out != 0)
        return;
    }
  }

  std::vector<uint8_t> level_buf_;
  isal_zstream zs_{};
};

class lz4_compressor : public compressor {
 public:
  lz4_compressor() {
    if (LZ4F_isError(LZ4F_createCompressionContext(&ctx_, LZ4F_VERSION)))
      throw std::runtime_error("LZ4F_createCompressionContext failed");
    prefs_.frameInfo.blockSizeID = LZ4F_max256KB;
    // Independent blocks: every LZ4 reader handles them (libarchive does
    // not handle linked blocks reliably).
    prefs_.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs_.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  }
  ~lz4_compressor() override { LZ4F_freeCompressionContext(ctx_); }
  void update(const char* data, size_t size, std::string& out) override {
    begin(out);
    while (size > 0) {
      auto n = std::min<size_t>(size, 256 * 1024);
      auto old = grow(out, LZ4F_compressBound(n, &prefs_));
      auto written = LZ4F_compressUpdate(ctx_, &out[old], out.size() - old,
                                         data, n, nullptr);
      check(written);
      out.resize(old + written);
      data += n;
      size -= n;
    }
  }
  void flush(std::string& out) override {
    tail(out, [this](char* dst, size_t cap) {
      return LZ4F_flush(ctx_, dst, cap, nullptr);
    });
  }
  void end(std::string& out) override {
    tail(out, [this](char* dst, size_t cap) {
      return LZ4F_compressEnd(ctx_, dst, cap, nullptr);
    });
  }

 private:
  static size_t grow(std::string& out, size_t extra) {
    auto old = out.size();
    out.resize(old + extra);
    return old;
  }
  static void check(size_t rc) {
    if (LZ4F_isError(rc))
      throw std::runtime_error(LZ4F_getErrorName(rc));
  }
  /// Runs a frame call that emits only buffered data (flush or end).
  template <class Call>
  void tail(std::string& out, Call call) {
    begin(out);
    auto old = grow(out, LZ4F_compressBound(0, &prefs_));
    auto written = call(&out[old], out.size() - old);
    check(written);
    out.resize(old + written);
  }
  void begin(std::string& out) {
    if (started_)
      return;
    started_ = true;
    auto old = grow(out, LZ4F_HEADER_SIZE_MAX);
    auto written
        = LZ4F_compressBegin(ctx_, &out[old], out.size() - old, &prefs_);
    check(written);
    out.resize(old + written);
  }
  LZ4F_cctx* ctx_ = nullptr;
  LZ4F_preferences_t prefs_{};
  bool started_ = false;
};

} // namespace

std::unique_ptr<compressor> make_gzip_compressor(int level) {
  return std::make_unique<gzip_compressor>(level);
}

std::unique_ptr<compressor> make_lz4_compressor() {
  return std::make_unique<lz4_compressor>();
}

void compressed_tar_writer::pump() {
  auto raw = tar_.take();
  if (!raw.empty())
    compressor_->update(raw.data(), raw.size(), out_);
}

void compressed_tar_writer::begin_entry(const std::string& name, uint64_t size,
                                        int64_t mtime_sec) {
  tar_.begin_entry(name, size, mtime_sec);
  pump();
}

void compressed_tar_writer::write(const char* data, size_t size) {
  compressor_->update(data, size, out_);
}

void compressed_tar_writer::end_entry() {
  tar_.end_entry();
  pump();
}

void compressed_tar_writer::flush() {
  compressor_->flush(out_);
}

void compressed_tar_writer::finish() {
  tar_.finish();
  pump();
  compressor_->end(out_);
}

std::unique_ptr<writer> make_writer(archive_format fmt) {
  switch (fmt) {
  case archive_format::tgz:
  case archive_format::tar_gz:
    return std::make_unique<compressed_tar_writer>(make_gzip_compressor(1));
  case archive_format::tar_lz4:
    return std::make_unique<compressed_tar_writer>(make_lz4_compressor());
  case archive_format::zip:
    return make_zip_writer();
  case archive_format::tar:
    break;
  }
  return std::make_unique<tar_writer>();
}

} // namespace moss::archive
