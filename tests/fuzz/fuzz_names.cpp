// Name validation, UTF-8 sanitizing and URL decoding: no crash, and what
// they promise holds for any input.
#include "core/names.hpp"
#include "http/url.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (moss::validate_object_name(text)) {
    if (text.empty() || text.size() > 1024 || text.front() == '/'
        || text.back() == '/' || text.find('\0') != text.npos
        || !moss::is_valid_utf8(text))
      std::abort();
  }
  static_cast<void>(moss::validate_bucket_name(text));
  static_cast<void>(moss::validate_archpath(text));
  auto clean = moss::sanitize_utf8(text);
  if (!moss::is_valid_utf8(clean))
    std::abort();
  if (moss::is_valid_utf8(text) && clean != text)
    std::abort();
  if (auto decoded = moss::http::percent_decode(text, true)) {
    // Encoding what was decoded and decoding again gives the same bytes.
    auto again
        = moss::http::percent_decode(moss::http::percent_encode_path(*decoded));
    if (!again || *again != *decoded)
      std::abort();
  }
  static_cast<void>(moss::http::parse_target(text));
  return 0;
}
