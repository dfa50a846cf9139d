#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace moss::test {

/// A fresh directory under the system temp dir, removed on destruction.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl
        = (std::filesystem::temp_directory_path() / "moss-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

} // namespace moss::test
