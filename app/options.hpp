#pragma once

#include "config/config.hpp"
#include "core/error.hpp"

#include <string>
#include <vector>

namespace moss::app {

/// Command-line options shared by the `moss` subcommands.
struct options {
  std::string command;
  std::string config_file;
  /// `--set key=value` and the shorthands below, as config overrides.
  std::vector<std::string> overrides;
  std::string data_dir;
  std::string host;
  int http_port = -1;
  int caf_port = -1;
  /// `--proxy HOST:PORT` (targets).
  std::string proxy;
  std::vector<std::string> mountpaths;
  /// `--public-url` (targets): the URL other nodes and clients use.
  std::string public_url;
  /// `--refresh SECONDS` (`show job`): repeat every SECONDS; 0 = once.
  double refresh_seconds = 0;
  /// `--count N` (`show job --refresh`): stop after N reports; 0 = never.
  int count = 0;
  /// Client commands (`put`, `ls`, `get-batch`).
  std::string endpoint;
  int workers = 8;
  std::string list_file;
  std::string output;
  std::string format = "tar";
  std::string prefix;
  bool continue_on_error = false;
  /// Arguments after the command that are not options.
  std::vector<std::string> positional;
};

/// Parses `argv[1..]`; unknown options are an error naming them.
expected<options> parse_options(int argc, char** argv);

/// Loads the config file plus overrides and applies the node options.
expected<config> effective_config(const options& opts);

/// Reads `<dir>/node_id`, or creates it with a fresh random id.
expected<std::string> node_id(const std::string& dir, const std::string& kind);

extern const char* const usage;

} // namespace moss::app
