#pragma once

#include "core/error.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <string>

namespace moss::app {

/// `GET <endpoint>/v1/daemon?what=smap`, parsed. An unreachable node or an
/// answer that is not a cluster map (no `tmap`) is an error saying which.
expected<rapidjson::Document>
fetch_cluster_map(const std::string& endpoint,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace moss::app
