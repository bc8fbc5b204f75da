/* The relay's build of civetweb (cmake/civetweb.cmake): civetweb.c compiled in civetweb_tls.c
 * with USE_MBEDTLS, plus the TLS settings civetweb's mbedTLS module has no options for. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Set before mg_start(); read when civetweb builds its TLS context and on every TLS connection.
 * key_file: the private key (PEM or DER); NULL or "" reads it from ssl_certificate as civetweb does.
 * io_timeout_ms: bound on the whole TLS handshake and on each later socket wait inside mbedTLS. */
void lantern_tls_set_options(const char* key_file, int io_timeout_ms);

/* 1 when the last TLS context was built with the relay's settings (TLS 1.2 minimum, ECDHE with
 * AES-GCM or ChaCha20-Poly1305 only). */
int lantern_tls_configured(void);

struct mg_connection;
/* 1 while the request has body bytes the handler has not read (or a chunked body not finished). */
int lantern_mg_body_pending(const struct mg_connection* conn);
/* Closes the connection once the handler returns, instead of civetweb reading and discarding the
 * rest of the body, which has no overall time limit. */
void lantern_mg_close_after_response(struct mg_connection* conn);
/* From now on, reads of this worker thread's connection fail after ms_from_now (0: no deadline).
 * Bounds a request body and the drain of an unread one as a whole, not per wait. */
void lantern_mg_set_read_deadline(int ms_from_now);
/* 1 when civetweb refused the request because its head (request line and headers) did not fit in
 * max_request_size; civetweb reports that as a plain 400 "Malformed message". */
int lantern_mg_head_too_large(const struct mg_connection* conn);

#ifdef __cplusplus
}
#endif
