#include "actors/tls_error_queue.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Function>
Function openssl_function(const char* name) {
  // The next definition after this executable's: libssl's.
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

using io_function = int (*)(SSL*, void*, int);
using const_io_function = int (*)(SSL*, const void*, int);
using handshake_function = int (*)(SSL*);

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = openssl_function<io_function>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = openssl_function<const_io_function>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto real = openssl_function<handshake_function>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto real = openssl_function<handshake_function>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

namespace moss {

bool tls_error_queue_guarded() {
  auto* seen = dlsym(RTLD_DEFAULT, "SSL_read");
  return seen == reinterpret_cast<void*>(&::SSL_read)
         && openssl_function<io_function>("SSL_read") != nullptr;
}

} // namespace moss
