#include "core/piece.hpp"

#include <unistd.h>

#include <stdexcept>

namespace moss {

file_span::file_span(int fd, uint64_t offset, uint64_t length)
    : fd_(fd), offset_(offset), length_(length) {
  // nop
}

file_span::~file_span() {
  if (fd_ >= 0)
    ::close(fd_);
}

std::string file_span::read() const {
  std::string data(length_, '\0');
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::pread(fd_, data.data() + done, data.size() - done,
                     static_cast<off_t>(offset_ + done));
    if (n <= 0)
      throw std::runtime_error{"a file shrank while it was being archived"};
    done += static_cast<size_t>(n);
  }
  return data;
}

} // namespace moss
