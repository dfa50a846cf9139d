#pragma once

#include "core/error.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <vector>

namespace moss::app {

/// `METHOD <endpoint><path>`, with its JSON answer parsed. An unreachable
/// node, an error status (its `message` is passed on) or an answer that is
/// not JSON is an error saying which.
expected<rapidjson::Document>
call_json(const std::string& method, const std::string& endpoint,
          const std::string& path,
          std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// `GET <endpoint>/v1/daemon?what=smap`, parsed. An answer that is not a
/// cluster map (no `tmap`) is an error too.
expected<rapidjson::Document>
fetch_cluster_map(const std::string& endpoint,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// The proxy to talk to: the positional argument at `index` if there is one,
/// else $AIS_ENDPOINT, else the local cluster's default.
std::string endpoint_argument(const std::vector<std::string>& positional,
                              size_t index);

/// `n` bytes for people: "512 B", "4.0 MiB" (`separator` between number
/// and unit).
std::string human_bytes(double n, const char* separator = " ");

} // namespace moss::app
