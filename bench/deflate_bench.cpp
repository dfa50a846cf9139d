// Gzip at the fastest level: zlib (what moss uses for TGZ output) against
// libdeflate and ISA-L, on incompressible and on compressible data, fed in
// 1 MiB pieces as a streaming archive writer sees them. Every output is
// inflated again with zlib and compared with the input.
//
//   build/bench/moss_deflate_bench [MiB per input]

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr size_t piece_size = 1 << 20;

using clock_type = std::chrono::steady_clock;

std::string zlib_gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error{"deflateInit2"};
  std::string out;
  std::vector<unsigned char> buf(piece_size + 1024);
  for (size_t off = 0; off <= in.size(); off += piece_size) {
    auto n = std::min(piece_size, in.size() - std::min(off, in.size()));
    bool last = off + piece_size >= in.size();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + off));
    z.avail_in = static_cast<uInt>(n);
    int rc;
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - z.avail_out);
    } while (z.avail_out == 0 || (last && rc != Z_STREAM_END));
    if (last)
      break;
  }
  deflateEnd(&z);
  return out;
}

/// libdeflate has no streaming API: one gzip member per piece (a stream of
/// members is valid gzip).
std::string libdeflate_gzip(const std::string& in) {
  auto* c = libdeflate_alloc_compressor(1);
  std::string out;
  std::vector<char> buf(libdeflate_gzip_compress_bound(c, piece_size));
  for (size_t off = 0; off < in.size(); off += piece_size) {
    auto n = std::min(piece_size, in.size() - off);
    auto got = libdeflate_gzip_compress(c, in.data() + off, n, buf.data(),
                                        buf.size());
    if (got == 0)
      throw std::runtime_error{"libdeflate_gzip_compress"};
    out.append(buf.data(), got);
  }
  libdeflate_free_compressor(c);
  return out;
}

std::string isal_gzip(const std::string& in) {
  isal_zstream s;
  isal_deflate_init(&s);
  std::vector<uint8_t> level_buf(ISAL_DEF_LVL1_DEFAULT);
  s.level = 1;
  s.level_buf = level_buf.data();
  s.level_buf_size = static_cast<uint32_t>(level_buf.size());
  s.gzip_flag = IGZIP_GZIP;
  s.flush = NO_FLUSH;
  std::string out;
  std::vector<uint8_t> buf(piece_size + 1024);
  for (size_t off = 0; off < in.size(); off += piece_size) {
    auto n = std::min(piece_size, in.size() - off);
    s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data() + off));
    s.avail_in = static_cast<uint32_t>(n);
    s.end_of_stream = off + n >= in.size() ? 1 : 0;
    do {
      s.next_out = buf.data();
      s.avail_out = static_cast<uint32_t>(buf.size());
      if (isal_deflate(&s) != COMP_OK)
        throw std::runtime_error{"isal_deflate"};
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - s.avail_out);
    } while (s.avail_in > 0
             || (s.end_of_stream && s.internal_state.state != ZSTATE_END));
  }
  return out;
}

/// Inflates gzip members one after another.
std::string gunzip(const std::string& in) {
  std::string out;
  std::vector<unsigned char> buf(piece_size);
  size_t pos = 0;
  while (pos < in.size()) {
    z_stream z{};
    inflateInit2(&z, 31);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    z.avail_in = static_cast<uInt>(in.size() - pos);
    int rc;
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END)
        throw std::runtime_error{"inflate failed"};
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - z.avail_out);
    } while (rc != Z_STREAM_END);
    pos = in.size() - z.avail_in;
    inflateEnd(&z);
  }
  return out;
}

/// Text-like records: compressible about 3-5x, like CSV or JSON samples.
std::string compressible(size_t size, std::mt19937_64& rng) {
  std::string s;
  s.reserve(size + 128);
  const char* words[] = {"audio", "label",  "speaker", "duration", "train",
                         "valid", "sample", "shard",   "en",       "de"};
  while (s.size() < size) {
    s += "{\"id\":" + std::to_string(rng() % 1000000) + ",\"";
    s += words[rng() % 10];
    s += "\":\"";
    s += words[rng() % 10];
    s += "\",\"score\":0." + std::to_string(rng() % 10000) + "}\n";
  }
  s.resize(size);
  return s;
}

} // namespace

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  std::mt19937_64 rng{7};
  std::string random_data(mib << 20, '\0');
  for (auto& c : random_data)
    c = static_cast<char>(rng());
  std::vector<std::pair<const char*, std::string>> inputs
      = {{"random (incompressible)", std::move(random_data)},
         {"text records", compressible(mib << 20, rng)}};
  std::vector<
      std::pair<const char*, std::function<std::string(const std::string&)>>>
      codecs = {{"zlib level 1", zlib_gzip},
                {"libdeflate level 1", libdeflate_gzip},
                {"ISA-L igzip level 1", isal_gzip}};
  std::printf("| input | codec | MB/s | ratio |\n|---|---|---|---|\n");
  for (auto& [input_name, input] : inputs) {
    for (auto& [codec_name, codec] : codecs) {
      std::fprintf(stderr, "[deflate] %s, %s\n", input_name, codec_name);
      double best = 1e9;
      std::string out;
      for (int run = 0; run < 3; ++run) {
        auto t0 = clock_type::now();
        out = codec(input);
        std::chrono::duration<double> took = clock_type::now() - t0;
        best = std::min(best, took.count());
      }
      if (gunzip(out) != input) {
        std::fprintf(stderr, "%s: output does not inflate to the input\n",
                     codec_name);
        return 1;
      }
      std::printf("| %s | %s | %.0f | %.2f |\n", input_name, codec_name,
                  static_cast<double>(input.size()) / best / 1e6,
                  static_cast<double>(input.size())
                      / static_cast<double>(out.size()));
    }
  }
  return 0;
}
