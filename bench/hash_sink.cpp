// The benchmark's sink: reads standard input (a pipe from curl, or a socket)
// to the end, hashes every byte with XXH3-128 and prints "<hash> <bytes>".
// An identical request gets an identical answer, so a timed run is checked
// against the hash of one run whose answer was taken apart and verified,
// without writing 1 GB into a file per run (on a small machine, a fresh
// tmpfs file costs more than the transfer it is meant to check).
//
//   curl ... | build/bench/moss_hash_sink

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

int main() {
  constexpr size_t buffer_size = 1 << 20;
  // A larger pipe means fewer wake-ups of both ends; a socket refuses the
  // call, which is fine.
  (void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, static_cast<int>(buffer_size));
  std::vector<char> buffer(buffer_size);
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr || XXH3_128bits_reset(state) != XXH_OK) {
    std::fprintf(stderr, "moss_hash_sink: cannot set up XXH3\n");
    return 2;
  }
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      std::fprintf(stderr, "moss_hash_sink: read: %s\n", std::strerror(errno));
      return 1;
    }
    if (n == 0)
      break;
    XXH3_128bits_update(state, buffer.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  std::printf("%016" PRIx64 "%016" PRIx64 " %" PRIu64 "\n", hash.high64,
              hash.low64, total);
  return 0;
}
