#pragma once

#include "config/config.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace moss {

class json_writer;

/// Writes the `get_batch` section as a JSON object, durations as "20s".
void write_get_batch_json(json_writer& w, const get_batch_config& gb);

/// Whether `key` (dotted) may change cluster-wide while the cluster runs:
/// the `get_batch` settings that new work items read when they start.
bool is_runtime_key(const std::string& key);

/// Combines `current` runtime overrides (`key=value`, sorted by key) with
/// new `assignments`: a later value for a key replaces the earlier one.
/// Keys that cannot change at runtime are an error naming them.
expected<std::vector<std::string>>
merge_runtime_overrides(const std::vector<std::string>& current,
                        const std::vector<std::string>& assignments);

/// A node's configuration as the cluster's runtime overrides change it. The
/// node's own settings (file and command line) come first, the cluster-wide
/// overrides from the cluster map on top.
class runtime_config {
 public:
  /// Builds the configuration with extra overrides on top of the node's own.
  using builder
      = std::function<expected<config>(const std::vector<std::string>&)>;

  runtime_config(config base, builder build);

  /// The configuration with `overrides` applied; the node's own one if they
  /// do not apply (they were validated on the proxy when set).
  std::shared_ptr<const config>
  with(const std::vector<std::string>& overrides) const;

  /// Validates `overrides` as a whole.
  expected<void> check(const std::vector<std::string>& overrides) const;

  const config& base() const { return *base_; }

 private:
  std::shared_ptr<const config> base_;
  builder build_;
  mutable std::mutex mtx_;
  mutable std::vector<std::string> cached_overrides_;
  mutable std::shared_ptr<const config> cached_;
};

} // namespace moss
