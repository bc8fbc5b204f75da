/* civetweb 1.15 (Debian's source package) compiled with USE_MBEDTLS, with the TLS settings its
 * mbedTLS module (src/mod_mbedtls.inl) does not expose. That module has no option for protocol
 * versions, cipher suites or a separate key file, and runs the handshake on a non-blocking socket
 * in a loop that retries while mbedTLS wants to read: a client that connects and sends nothing
 * would pin a worker thread at full CPU for ever. Rather than patch the upstream file, this unit
 * wraps the few mbedTLS calls the module makes (by name, with macros, before including
 * civetweb.c) and adds what is missing:
 *   - mbedtls_ssl_conf_own_cert: TLS 1.2 minimum, ECDHE with AEAD suites only, strong curves and
 *     signature hashes, no renegotiation;
 *   - mbedtls_pk_parse_keyfile: the key from --tls-key instead of the certificate file;
 *   - mbedtls_ssl_set_bio / mbedtls_ssl_handshake: socket I/O that waits with poll() under a
 *     deadline, so a silent or slow TLS client loses its thread after io_timeout_ms.
 * And one for plain HTTP: recv() fails once the calling thread's read deadline has passed
 * (lantern_mg_set_read_deadline). civetweb's own timeout is per wait, and its mg_read() keeps
 * waiting as long as a byte arrives now and then, so a dribbled body held a thread for ever. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "civetweb_tls.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"

static char g_key_file[4096];
static int g_io_timeout_ms = 10000;
static int g_configured = 0;
/* The handshake's deadline (CLOCK_MONOTONIC ms) on the worker thread running it; 0 outside one. */
static __thread long long t_handshake_deadline_ms = 0;
/* The deadline for reading a request body on this worker thread; 0: none. */
static __thread long long t_read_deadline_ms = 0;

void lantern_tls_set_options(const char* key_file, int io_timeout_ms) {
  g_key_file[0] = 0;
  if (key_file && strlen(key_file) < sizeof g_key_file) strcpy(g_key_file, key_file);
  if (io_timeout_ms > 0) g_io_timeout_ms = io_timeout_ms;
}

int lantern_tls_configured(void) { return g_configured; }

static long long lantern_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lantern_mg_set_read_deadline(int ms_from_now) {
  t_read_deadline_ms = ms_from_now > 0 ? lantern_now_ms() + ms_from_now : 0;
}

/* The earlier of the thread's handshake and body deadlines; 0: none. */
static long long lantern_deadline(void) {
  long long a = t_handshake_deadline_ms, b = t_read_deadline_ms;
  if (a == 0) return b;
  if (b == 0) return a;
  return a < b ? a : b;
}

/* Waits for the socket under the thread's deadline (or io_timeout_ms per wait without one). */
static int lantern_wait(int fd, short events) {
  for (;;) {
    int wait_ms = g_io_timeout_ms;
    long long deadline = lantern_deadline();
    if (deadline != 0) {
      long long left = deadline - lantern_now_ms();
      if (left <= 0) return MBEDTLS_ERR_SSL_TIMEOUT;
      if (left < wait_ms) wait_ms = (int)left;
    }
    struct pollfd p;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    int r = poll(&p, 1, wait_ms);
    if (r > 0) return 0;
    if (r == 0) return MBEDTLS_ERR_SSL_TIMEOUT;
    if (errno != EINTR) return MBEDTLS_ERR_NET_POLL_FAILED;
  }
}

static int lantern_tls_recv(void* ctx, unsigned char* buf, size_t len) {
  int fd = *(int*)ctx;
  for (;;) {
    if (t_read_deadline_ms != 0 && lantern_now_ms() > t_read_deadline_ms) return MBEDTLS_ERR_SSL_TIMEOUT;
    ssize_t n = recv(fd, buf, len, 0);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      int w = lantern_wait(fd, POLLIN);
      if (w != 0) return w;
      continue;
    }
    if (errno == ECONNRESET || errno == EPIPE) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

static int lantern_tls_send(void* ctx, const unsigned char* buf, size_t len) {
  int fd = *(int*)ctx;
  for (;;) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      int w = lantern_wait(fd, POLLOUT);
      if (w != 0) return w;
      continue;
    }
    if (errno == ECONNRESET || errno == EPIPE) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

static void lantern_ssl_set_bio(mbedtls_ssl_context* ssl, void* p_bio, mbedtls_ssl_send_t* f_send,
                                mbedtls_ssl_recv_t* f_recv, mbedtls_ssl_recv_timeout_t* f_recv_timeout) {
  (void)f_send;
  (void)f_recv;
  (void)f_recv_timeout;
  mbedtls_ssl_set_bio(ssl, p_bio, lantern_tls_send, lantern_tls_recv, NULL);
}

static int lantern_ssl_handshake(mbedtls_ssl_context* ssl) {
  t_handshake_deadline_ms = lantern_now_ms() + g_io_timeout_ms;
  int rc = mbedtls_ssl_handshake(ssl);
  t_handshake_deadline_ms = 0;
  return rc;
}

static int lantern_pk_parse_keyfile(mbedtls_pk_context* ctx, const char* path, const char* password) {
  return mbedtls_pk_parse_keyfile(ctx, g_key_file[0] ? g_key_file : path, password);
}

/* Forward secrecy and authenticated encryption only; the order is the server's preference. */
static const int kSuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};
static const mbedtls_ecp_group_id kCurves[] = {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
                                               MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE};
static const int kSigHashes[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512, MBEDTLS_MD_NONE};

/* The module's last configuration call: the defaults are set by then, so ours override them. */
static int lantern_ssl_conf_own_cert(mbedtls_ssl_config* conf, mbedtls_x509_crt* own_cert, mbedtls_pk_context* pk_key) {
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(conf, kSuites);
  mbedtls_ssl_conf_curves(conf, kCurves);
  mbedtls_ssl_conf_sig_hashes(conf, kSigHashes);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  int rc = mbedtls_ssl_conf_own_cert(conf, own_cert, pk_key);
  g_configured = rc == 0;
  return rc;
}

/* civetweb's only recv() call: pull_inner(), reading a plain-HTTP request. */
static ssize_t lantern_recv(int fd, void* buf, size_t len, int flags) {
  if (t_read_deadline_ms != 0 && lantern_now_ms() > t_read_deadline_ms) {
    errno = ETIMEDOUT;
    return -1;
  }
  return recv(fd, buf, len, flags);
}

#define recv lantern_recv
#define mbedtls_ssl_conf_own_cert lantern_ssl_conf_own_cert
#define mbedtls_pk_parse_keyfile lantern_pk_parse_keyfile
#define mbedtls_ssl_set_bio lantern_ssl_set_bio
#define mbedtls_ssl_handshake lantern_ssl_handshake
/* civetweb's stop flag is a plain volatile int by default: mg_stop() writes it while the master
 * and worker threads read it, a data race (ThreadSanitizer reports it, and with it everything the
 * master thread frees after seeing the flag, e.g. the listening sockets the main thread read for
 * the port). This upstream option makes every read and write of it an atomic operation. */
#define STOP_FLAG_NEEDS_LOCK 1
#include "civetweb.c"

/* [SECTION] What the relay's handlers need from a connection beyond civetweb's public API. */

int lantern_mg_body_pending(const struct mg_connection* conn) {
  if (conn == NULL) return 0;
  if (conn->is_chunked) return conn->is_chunked == 1;
  return conn->content_len < 0 || conn->consumed_content < conn->content_len;
}

void lantern_mg_close_after_response(struct mg_connection* conn) {
  if (conn != NULL) conn->must_close = 1;
}

int lantern_mg_head_too_large(const struct mg_connection* conn) {
  /* read_message() returns -2 when the buffer filled before the blank line ending the head. */
  return conn != NULL && conn->request_len == -2;
}
