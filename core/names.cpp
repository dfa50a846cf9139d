#include "core/names.hpp"

namespace moss {

namespace {

/// Length of the well-formed UTF-8 sequence at `text[i]`, or 0.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  auto n = text.size();
  auto c = static_cast<unsigned char>(text[i]);
  size_t len;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n)
    return 0;
  for (size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong encodings, surrogates and code points past U+10FFFF.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800)
      || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
      || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

} // namespace

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto len = utf8_sequence_length(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto len = utf8_sequence_length(text, i);
    if (len == 0)
      return false;
    i += len;
  }
  return true;
}

expected<void> validate_bucket_name(std::string_view name) {
  auto bad = [&](const char* why) {
    return make_error(ec::invalid_argument, "invalid bucket name \""
                                                + std::string{name}
                                                + "\": " + why);
  };
  if (name.empty())
    return bad("must not be empty");
  if (name.size() > 64)
    return bad("longer than 64 characters");
  if (name.front() == '.')
    return bad("must not start with '.'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok)
      return bad("only letters, digits, '_', '-' and '.' are allowed");
  }
  return {};
}

expected<void> validate_object_name(std::string_view name,
                                    std::string_view what) {
  auto bad = [&](const std::string& why) {
    std::string shown{name.substr(0, 200)};
    if (name.size() > 200)
      shown += "...";
    for (auto& c : shown)
      if (c == '\0')
        c = '?';
    return make_error(ec::invalid_argument, "invalid " + std::string{what}
                                                + " \"" + shown + "\": " + why);
  };
  if (name.empty())
    return bad("must not be empty");
  if (name.size() > max_name_bytes)
    return bad("longer than " + std::to_string(max_name_bytes) + " bytes");
  if (name.find('\0') != std::string_view::npos)
    return bad("contains a NUL byte");
  if (!is_valid_utf8(name))
    return bad("not valid UTF-8");
  if (name.front() == '/')
    return bad("must not start with '/'");
  if (name.substr(0, 2) == "~/")
    return bad("must not start with '~/'");
  if (name.back() == '/')
    return bad("must not end with '/'");
  size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos)
      end = name.size();
    auto part = name.substr(start, end - start);
    if (part.empty())
      return bad("contains an empty path component ('//')");
    if (part == "." || part == "..")
      return bad("contains a '" + std::string{part} + "' path component");
    if (part.size() > max_component_bytes)
      return bad("a path component is longer than "
                 + std::to_string(max_component_bytes) + " bytes");
    start = end + 1;
  }
  return {};
}

expected<void> validate_archpath(std::string_view path) {
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  return validate_object_name(path, "archpath");
}

expected<std::string> normalize_provider(std::string_view provider) {
  if (provider.empty() || provider == "ais")
    return std::string{"ais"};
  if (provider == "aws" || provider == "s3")
    return std::string{"aws"};
  if (provider == "gcp" || provider == "gs")
    return std::string{"gcp"};
  if (provider == "azure" || provider == "az")
    return std::string{"azure"};
  if (provider == "oci" || provider == "oc")
    return std::string{"oci"};
  return make_error(ec::invalid_argument,
                    "unknown provider \"" + std::string{provider} + "\"");
}

std::string display_name(std::string_view bucket, std::string_view object) {
  std::string result = "ais://";
  result.append(bucket);
  if (!object.empty())
    result.append("/").append(object);
  return result;
}

} // namespace moss
