#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace moss {

/// A small streaming JSON writer (RapidJSON underneath) that keeps RapidJSON
/// out of the headers of its users.
class json_writer {
 public:
  json_writer();
  ~json_writer();
  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& string(std::string_view v);
  json_writer& integer(int64_t v);
  json_writer& boolean(bool v);
  json_writer& null();
  json_writer& number(double v);
  /// Inserts `json`, which must be one complete, valid JSON value.
  json_writer& raw(std::string_view json);

  /// The document written so far.
  std::string str() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A JSON object `{"message": ..., "status": ...}` as AIStore sends on errors.
std::string error_json(int status, std::string_view message,
                       std::string_view method = {},
                       std::string_view path = {});

} // namespace moss
