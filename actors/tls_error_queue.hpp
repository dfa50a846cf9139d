#pragma once

namespace moss {

/// CAF 0.17.6's TLS sessions never clear OpenSSL's per-thread error queue
/// after a failed handshake, and OpenSSL's `SSL_get_error` reports any
/// queued error as fatal for whichever connection asks next. One peer with
/// a foreign certificate (or a port scanner) would thus cut every other
/// TLS connection of the node's network thread. moss defines `SSL_read`,
/// `SSL_write`, `SSL_accept` and `SSL_connect` itself: each clears the queue
/// and calls OpenSSL's, as OpenSSL's manual requires of every caller.
/// Returns whether CAF's calls reach those definitions.
bool tls_error_queue_guarded();

} // namespace moss
