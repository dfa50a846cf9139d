#include "client/client.hpp"

#include "core/json.hpp"
#include "http/url.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace moss::client {

namespace {

ec code_of(int status) {
  switch (status) {
  case 400:
    return ec::invalid_argument;
  case 404:
    return ec::not_found;
  case 405:
    return ec::method_not_allowed;
  case 409:
    return ec::already_exists;
  case 413:
    return ec::too_large;
  case 416:
    return ec::range_not_satisfiable;
  case 429:
    return ec::throttled;
  case 507:
    return ec::insufficient_storage;
  case 503:
    return ec::unavailable;
  default:
    return ec::internal;
  }
}

/// The cluster's error (its JSON `message`) for a non-2xx answer.
error error_of(const http::client_response& r, const std::string& what) {
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  std::string message = what + ": status " + std::to_string(r.status);
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("message")
      && doc["message"].IsString())
    message = doc["message"].GetString();
  return make_error(code_of(r.status), message);
}

std::string object_url(const std::string& endpoint, const std::string& bucket,
                       const std::string& name) {
  return endpoint + "/v1/objects/" + http::percent_encode_path(bucket) + "/"
         + http::percent_encode_path(name) + "?provider=ais";
}

} // namespace

std::string token_from_environment() {
  const char* token = std::getenv("AIS_AUTHN_TOKEN");
  return token == nullptr ? std::string{} : std::string{token};
}

http::header_list bearer_headers(const std::string& token) {
  if (token.empty())
    return {};
  return {{"Authorization", "Bearer " + token}};
}

cluster_client::cluster_client(std::string endpoint,
                               std::chrono::milliseconds timeout,
                               const std::string& token)
    : endpoint_(std::move(endpoint)), session_(timeout) {
  for (auto& h : bearer_headers(token))
    session_.add_default_header(h);
  while (!endpoint_.empty() && endpoint_.back() == '/')
    endpoint_.pop_back();
}

expected<bool> cluster_client::has_bucket(const std::string& bucket) {
  auto r = session_.request("HEAD", endpoint_ + "/v1/buckets/"
                                        + http::percent_encode_path(bucket)
                                        + "?provider=ais");
  if (!r)
    return r.error();
  if (r->status == 404)
    return false;
  if (r->status / 100 != 2)
    return error_of(*r, "HEAD ais://" + bucket);
  return true;
}

expected<void> cluster_client::create_bucket(const std::string& bucket) {
  auto r = session_.request("POST",
                            endpoint_ + "/v1/buckets/"
                                + http::percent_encode_path(bucket)
                                + "?provider=ais",
                            http::body_source::of(R"({"action":"create-bck"})"),
                            {{"Content-Type", "application/json"}});
  if (!r)
    return r.error();
  if (r->status / 100 != 2)
    return error_of(*r, "create ais://" + bucket);
  return {};
}

expected<void> cluster_client::put(const std::string& bucket,
                                   const std::string& name, std::string data) {
  auto r = session_.request("PUT", object_url(endpoint_, bucket, name),
                            http::body_source::of(std::move(data)));
  if (!r)
    return r.error();
  if (r->status / 100 != 2)
    return error_of(*r, "PUT ais://" + bucket + "/" + name);
  return {};
}

expected<void> cluster_client::put_file(const std::string& bucket,
                                        const std::string& name,
                                        const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ec::io_error,
                      "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  auto r = session_.request(
      "PUT", object_url(endpoint_, bucket, name),
      http::body_source::of_file(fd, static_cast<uint64_t>(st.st_size)));
  ::close(fd);
  if (!r)
    return r.error();
  if (r->status / 100 != 2)
    return error_of(*r, "PUT ais://" + bucket + "/" + name);
  return {};
}

expected<std::string> cluster_client::get(const std::string& bucket,
                                          const std::string& name) {
  std::string data;
  auto r = session_.request("GET", object_url(endpoint_, bucket, name), {}, {},
                            [&](const char* p, size_t n) -> expected<void> {
                              data.append(p, n);
                              return {};
                            });
  if (!r)
    return r.error();
  if (r->status / 100 != 2)
    return error_of(*r, "GET ais://" + bucket + "/" + name);
  return data;
}

expected<std::vector<listed_entry>>
cluster_client::list(const std::string& bucket, const std::string& prefix) {
  std::vector<listed_entry> out;
  std::string token;
  // Every page moves the token forward; a bound keeps a confused server
  // from looping forever.
  for (int page = 0; page < 1'000'000; ++page) {
    json_writer w;
    w.begin_object();
    w.key("action").string("list");
    w.key("value").begin_object();
    w.key("prefix").string(prefix);
    w.key("continuation_token").string(token);
    w.end_object();
    w.end_object();
    auto r = session_.request(
        "GET",
        endpoint_ + "/v1/buckets/" + http::percent_encode_path(bucket)
            + "?provider=ais",
        http::body_source::of(w.str()), {{"Content-Type", "application/json"}});
    if (!r)
      return r.error();
    if (r->status / 100 != 2)
      return error_of(*r, "list ais://" + bucket);
    rapidjson::Document doc;
    doc.Parse(r->body.c_str(), r->body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("entries"))
      return make_error(ec::internal, "list ais://" + bucket
                                          + ": the answer is not a listing");
    if (doc["entries"].IsArray())
      for (auto& e : doc["entries"].GetArray())
        out.push_back({e["name"].GetString(),
                       static_cast<uint64_t>(e["size"].GetInt64())});
    std::string next = doc.HasMember("continuation_token")
                           ? doc["continuation_token"].GetString()
                           : "";
    if (next.empty() || next == token)
      return out;
    token = next;
  }
  return make_error(ec::internal, "list ais://" + bucket + ": too many pages");
}

std::string batch_request_json(const std::vector<batch_entry>& entries,
                               const batch_options& options) {
  json_writer w;
  w.begin_object();
  w.key("mime").string(options.format);
  w.key("coer").boolean(options.continue_on_error);
  w.key("onob").boolean(options.only_object_names);
  w.key("strm").boolean(true);
  w.key("in").begin_array();
  for (auto& e : entries) {
    w.begin_object();
    w.key("objname").string(e.objname);
    if (!e.bucket.empty())
      w.key("bucket").string(e.bucket);
    if (!e.archpath.empty())
      w.key("archpath").string(e.archpath);
    if (e.start != 0)
      w.key("start").integer(e.start);
    if (e.length != 0)
      w.key("length").integer(e.length);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

expected<void> cluster_client::get_batch(
    const std::string& bucket, const std::vector<batch_entry>& entries,
    const batch_options& options, const http::body_sink& sink) {
  auto r = session_.request(
      "GET",
      endpoint_ + "/v1/ml/moss/" + http::percent_encode_path(bucket)
          + "?provider=ais",
      http::body_source::of(batch_request_json(entries, options)),
      {{"Content-Type", "application/json"}}, sink);
  if (!r)
    return r.error();
  if (r->status / 100 != 2)
    return error_of(*r, "GetBatch");
  return {};
}

} // namespace moss::client
