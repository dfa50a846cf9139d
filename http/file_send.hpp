#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moss::http {

/// Copies that avoid sendfile go through a buffer of at most this size:
/// small enough to stay in the CPU caches between the read and the write.
constexpr size_t copy_buffer_bytes = 256 * 1024;

/// Waits up to `timeout_ms` for `events` on `fd`, across signals: > 0
/// ready, 0 timed out, < 0 failed (`errno` says why).
int poll_for(int fd, short events, int timeout_ms);

/// `poll_for`, with `why` set on timeout or error.
bool wait_for(int fd, short events, int timeout_ms, std::string& why);

/// Writes all `size` bytes to `fd` (a non-blocking socket, or a file),
/// waiting up to `timeout_ms` each time it has no room.
bool write_fully(int fd, const char* data, size_t size, int timeout_ms,
                 std::string& why);

/// Sends `length` bytes of `file_fd` from `offset` to `out_fd`: by
/// sendfile(2) if `zero_copy`, otherwise through `buffer` (grown to what
/// the file needs, up to `copy_buffer_bytes`). False with `why` set when
/// the file is shorter, or reading or writing fails or times out.
bool send_file_range(int out_fd, int file_fd, uint64_t offset, uint64_t length,
                     bool zero_copy, std::vector<char>& buffer, int timeout_ms,
                     std::string& why);

} // namespace moss::http
