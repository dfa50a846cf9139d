#include "core/json.hpp"

#include "core/names.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace moss {

struct json_writer::impl {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
};

json_writer::json_writer() : impl_(std::make_unique<impl>()) {
  // nop
}

json_writer::~json_writer() = default;

json_writer& json_writer::begin_object() {
  impl_->w.StartObject();
  return *this;
}

json_writer& json_writer::end_object() {
  impl_->w.EndObject();
  return *this;
}

json_writer& json_writer::begin_array() {
  impl_->w.StartArray();
  return *this;
}

json_writer& json_writer::end_array() {
  impl_->w.EndArray();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  auto clean = sanitize_utf8(k);
  impl_->w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()),
               true);
  return *this;
}

json_writer& json_writer::string(std::string_view v) {
  if (!is_valid_utf8(v)) {
    auto clean = sanitize_utf8(v);
    impl_->w.String(clean.data(),
                    static_cast<rapidjson::SizeType>(clean.size()), true);
    return *this;
  }
  impl_->w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
  return *this;
}

json_writer& json_writer::integer(int64_t v) {
  impl_->w.Int64(v);
  return *this;
}

json_writer& json_writer::boolean(bool v) {
  impl_->w.Bool(v);
  return *this;
}

json_writer& json_writer::null() {
  impl_->w.Null();
  return *this;
}

json_writer& json_writer::number(double v) {
  if (!std::isfinite(v))
    impl_->w.Null(); // JSON has no NaN or infinity
  else
    impl_->w.Double(v);
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  impl_->w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string json_writer::str() const {
  return std::string{impl_->buf.GetString(), impl_->buf.GetSize()};
}

std::string error_json(int status, std::string_view message,
                       std::string_view method, std::string_view path) {
  json_writer w;
  w.begin_object();
  w.key("message").string(message);
  w.key("status").integer(status);
  if (!method.empty())
    w.key("method").string(method);
  if (!path.empty())
    w.key("url_path").string(path);
  w.end_object();
  return w.str();
}

} // namespace moss
