#include "http/url.hpp"

namespace moss::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

expected<std::string> percent_decode(std::string_view text,
                                     bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return make_error(ec::invalid_argument, "truncated %-escape in URL");
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return make_error(ec::invalid_argument, "invalid %-escape in URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

expected<request_target> parse_target(std::string_view target) {
  request_target result;
  auto qpos = target.find('?');
  auto path = target.substr(0, qpos);
  if (qpos != std::string_view::npos)
    result.raw_query = std::string{target.substr(qpos + 1)};
  auto hash = result.raw_query.find('#');
  if (hash != std::string::npos)
    result.raw_query.resize(hash);
  if (path.empty() || path.front() != '/')
    return make_error(ec::invalid_argument, "request path must start with '/'");
  path.remove_prefix(1);
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    auto decoded = percent_decode(path.substr(start, end - start));
    if (!decoded)
      return decoded.error();
    result.segments.push_back(std::move(*decoded));
    start = end + 1;
  }
  std::string_view query = result.raw_query;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
        true);
    if (!key)
      return key.error();
    if (!value)
      return value.error();
    result.query[*key] = *value;
  }
  return result;
}

std::string percent_encode_path(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                || c == '~' || c == '/';
    if (keep) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    }
  }
  return out;
}

std::string join_segments(const std::vector<std::string>& segments,
                          size_t from) {
  std::string out;
  for (size_t i = from; i < segments.size(); ++i) {
    if (i > from)
      out.push_back('/');
    out += segments[i];
  }
  return out;
}

} // namespace moss::http
