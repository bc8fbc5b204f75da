// The native Transport: HTTP/1.1 over POSIX sockets, TLS with mbedTLS 2.28.
//
// [x] https:// with TLS 1.2 or later, certificate chain verified against the system store
//     (/etc/ssl/certs, or the Android/iOS app's own bundle passed as ca_pem/ca_file)
// [x] hostname verification (SNI + the certificate's DNS names) and optional SPKI SHA-256 pins
// [x] http:// only to loopback (tests, a relay on the same host behind a local proxy)
// [x] one deadline for the whole exchange (connect, handshake, send, receive); a size cap
// [ ] keep-alive and HTTP/2: one request per connection is enough for a support client
//
// Each send() builds its own SSL context and DRBG; only the parsed CA chain is shared (read only),
// so one transport serves several threads without locks.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "lantern/encoding.h"
#include "lantern/seams.h"
#include "mbedtls/base64.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "net/http.h"

namespace lantern {

namespace {

using Clock = std::chrono::steady_clock;

std::string mbed_error(int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return buf;
}

TransportResult failure(TransportError e, std::string message) {
  TransportResult r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

// A socket with a deadline: every wait is a poll() bounded by the time left.
struct Conn {
  int fd = -1;
  Clock::time_point deadline;
  bool timed_out = false;
  int last_errno = 0;
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
  int left_ms() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : int(ms);
  }
  // 1 ready, 0 timeout, -1 error
  int wait(short events) {
    while (true) {
      int left = left_ms();
      if (left == 0) {
        timed_out = true;
        return 0;
      }
      pollfd p{fd, events, 0};
      int n = ::poll(&p, 1, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        last_errno = errno;
        return -1;
      }
      if (n == 0) {
        timed_out = true;
        return 0;
      }
      return 1;
    }
  }
  // >0 bytes, 0 closed, -1 error/timeout
  long recv_some(unsigned char* buf, std::size_t len) {
    while (true) {
      int w = wait(POLLIN);
      if (w <= 0) return -1;
      ssize_t n = ::recv(fd, buf, len, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) last_errno = errno;
      return long(n);
    }
  }
  long send_some(const unsigned char* buf, std::size_t len) {
    while (true) {
      int w = wait(POLLOUT);
      if (w <= 0) return -1;
      ssize_t n = ::send(fd, buf, len, MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) last_errno = errno;
      return long(n);
    }
  }
};

int bio_send(void* ctx, const unsigned char* buf, size_t len) {
  auto* c = static_cast<Conn*>(ctx);
  long n = c->send_some(buf, len);
  if (n < 0) return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_SEND_FAILED;
  return int(n);
}
int bio_recv(void* ctx, unsigned char* buf, size_t len) {
  auto* c = static_cast<Conn*>(ctx);
  long n = c->recv_some(buf, len);
  if (n < 0) return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_RECV_FAILED;
  return int(n);  // 0: the peer closed
}

// Non-blocking connect to each address in turn, within the deadline.
TransportResult connect_to(Conn& c, const net::Url& url) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(url.port);
  int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return failure(TransportError::connect, "cannot resolve " + url.host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      c.fd = fd;
      return {};
    }
    if (errno != EINPROGRESS) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    c.fd = fd;
    int w = c.wait(POLLOUT);
    if (w == 0) return failure(TransportError::timeout, "connecting to " + url.host + ":" + port + " timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (w > 0 && err == 0) return {};
    last = std::strerror(err ? err : c.last_errno);
    ::close(fd);
    c.fd = -1;
  }
  return failure(TransportError::connect, "cannot connect to " + url.host + ":" + port + ": " + last);
}

std::string base64(const unsigned char* p, std::size_t n) {
  unsigned char out[128];
  std::size_t olen = 0;
  mbedtls_base64_encode(out, sizeof out, &olen, p, n);
  return std::string(reinterpret_cast<char*>(out), olen);
}

bool header_safe(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

std::string strip_pin(std::string pin) {
  if (pin.rfind("sha256/", 0) == 0) pin.erase(0, 7);
  return pin;
}

class NativeTransport final : public Transport {
 public:
  NativeTransport() {
    mbedtls_x509_crt_init(&cas_);
  }
  ~NativeTransport() override { mbedtls_x509_crt_free(&cas_); }

  Status init(const TlsOptions& o) {
    for (const auto& p : o.pins) {
      std::string b64 = strip_pin(p);
      auto raw = encoding::base64_decode(b64);
      if (!raw || raw->size() != 32) {
        return make_error(ErrorCode::invalid_argument, "pin '" + p + "' is not the base64 of a 32-byte SHA-256 (sha256/...=)");
      }
      pins_.push_back(std::string(raw->begin(), raw->end()));
    }
    int rc = 0;
    if (!o.ca_pem.empty()) {
      rc = mbedtls_x509_crt_parse(&cas_, reinterpret_cast<const unsigned char*>(o.ca_pem.c_str()), o.ca_pem.size() + 1);
      if (rc < 0) return make_error(ErrorCode::invalid_argument, "ca_pem: no certificate could be read: " + mbed_error(rc));
    } else if (!o.ca_file.empty()) {
      rc = mbedtls_x509_crt_parse_file(&cas_, o.ca_file.c_str());
      if (rc < 0) return make_error(ErrorCode::io_error, "ca_file '" + o.ca_file + "': " + mbed_error(rc));
    } else {
      // Debian/Ubuntu, Fedora/RHEL, Alpine, then the hashed folder. Android and iOS apps pass their
      // own CAs or, better, inject their platform HTTP stack through the transport callback.
      static const char* kBundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                       "/etc/ssl/cert.pem"};
      bool any = false;
      for (const char* f : kBundles) {
        if (::access(f, R_OK) == 0 && mbedtls_x509_crt_parse_file(&cas_, f) >= 0) {
          any = true;
          break;
        }
      }
      if (!any && mbedtls_x509_crt_parse_path(&cas_, "/etc/ssl/certs") < 0) {
        return make_error(ErrorCode::io_error, "no system CA certificates found; pass ca_pem or ca_file");
      }
    }
    return ok_status();
  }

  TransportResult send(const HttpRequest& request) override {
    auto url = net::parse_url(request.url);
    if (!url) return failure(TransportError::bad_url, url.error().message);
    if (url->scheme == "http" && !net::is_loopback_host(url->host)) {
      return failure(TransportError::bad_url, "plain http:// is allowed only to loopback; use https:// for " + url->host);
    }
    if (!header_safe(request.method) || !header_safe(url->target)) return failure(TransportError::bad_url, "line breaks in the method or URL");
    for (const auto& h : request.headers) {
      if (!header_safe(h.name) || !header_safe(h.value) || h.name.empty()) {
        return failure(TransportError::bad_url, "header '" + h.name + "' contains a line break");
      }
    }
    Conn c;
    c.deadline = Clock::now() + std::chrono::milliseconds(request.timeout_ms > 0 ? request.timeout_ms : 15000);
    TransportResult r = connect_to(c, *url);
    if (r.error != TransportError::none) return r;
    std::string head = net::format_request(request, *url);
    net::ResponseParser parser(request.max_response_bytes, request.method == "HEAD");
    if (url->scheme == "http") return exchange_plain(c, head, request.body, parser);
    return exchange_tls(c, *url, head, request.body, parser);
  }

 private:
  static TransportResult finish(net::ResponseParser& parser) {
    if (parser.state() == net::ResponseParser::State::done) {
      TransportResult r;
      r.response = std::move(parser.response());
      return r;
    }
    return failure(parser.too_large() ? TransportError::too_large : TransportError::io, parser.error());
  }

  TransportResult exchange_plain(Conn& c, const std::string& head, const std::string& body, net::ResponseParser& parser) {
    for (const std::string* part : {&head, &body}) {
      std::size_t off = 0;
      while (off < part->size()) {
        long n = c.send_some(reinterpret_cast<const unsigned char*>(part->data()) + off, part->size() - off);
        if (n <= 0) {
          return c.timed_out ? failure(TransportError::timeout, "sending the request timed out")
                             : failure(TransportError::io, std::string("sending the request failed: ") + std::strerror(c.last_errno));
        }
        off += std::size_t(n);
      }
    }
    unsigned char buf[16384];
    while (parser.state() == net::ResponseParser::State::head || parser.state() == net::ResponseParser::State::body) {
      long n = c.recv_some(buf, sizeof buf);
      if (n < 0) {
        return c.timed_out ? failure(TransportError::timeout, "waiting for the answer timed out")
                           : failure(TransportError::io, std::string("reading the answer failed: ") + std::strerror(c.last_errno));
      }
      if (n == 0) parser.finish();
      else parser.feed(reinterpret_cast<const char*>(buf), std::size_t(n));
    }
    return finish(parser);
  }

  TransportResult exchange_tls(Conn& c, const net::Url& url, const std::string& head, const std::string& body,
                               net::ResponseParser& parser) {
    struct Tls {
      mbedtls_entropy_context entropy;
      mbedtls_ctr_drbg_context drbg;
      mbedtls_ssl_config conf;
      mbedtls_ssl_context ssl;
      Tls() {
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_ssl_config_init(&conf);
        mbedtls_ssl_init(&ssl);
      }
      ~Tls() {
        mbedtls_ssl_free(&ssl);
        mbedtls_ssl_config_free(&conf);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
      }
    } t;
    static const unsigned char pers[] = "lantern-https";
    int rc = mbedtls_ctr_drbg_seed(&t.drbg, mbedtls_entropy_func, &t.entropy, pers, sizeof pers - 1);
    if (rc != 0) return failure(TransportError::tls, "tls: random generator: " + mbed_error(rc));
    rc = mbedtls_ssl_config_defaults(&t.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return failure(TransportError::tls, "tls: " + mbed_error(rc));
    mbedtls_ssl_conf_min_version(&t.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);  // TLS 1.2+
    mbedtls_ssl_conf_authmode(&t.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t.conf, &cas_, nullptr);
    mbedtls_ssl_conf_rng(&t.conf, mbedtls_ctr_drbg_random, &t.drbg);
    rc = mbedtls_ssl_setup(&t.ssl, &t.conf);
    if (rc != 0) return failure(TransportError::tls, "tls: " + mbed_error(rc));
    // SNI and the name the certificate must carry.
    rc = mbedtls_ssl_set_hostname(&t.ssl, url.host.c_str());
    if (rc != 0) return failure(TransportError::tls, "tls: " + mbed_error(rc));
    mbedtls_ssl_set_bio(&t.ssl, &c, bio_send, bio_recv, nullptr);
    while ((rc = mbedtls_ssl_handshake(&t.ssl)) != 0) {
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return failure(TransportError::timeout, "tls handshake with " + url.host + " timed out");
      std::string why = mbed_error(rc);
      std::uint32_t flags = mbedtls_ssl_get_verify_result(&t.ssl);
      if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != std::uint32_t(-1)) {
        char info[512];
        mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
        why = "certificate for " + url.host + " not trusted: " + info;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        for (auto& ch : why) {
          if (ch == '\n') ch = ';';
        }
      }
      return failure(TransportError::tls, "tls: " + why);
    }
    if (!pins_.empty()) {
      const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&t.ssl);
      if (!peer) return failure(TransportError::pin_mismatch, "tls: the server sent no certificate to check the pin against");
      // mbedtls_pk_write_pubkey_der writes at the end of the buffer.
      unsigned char der[2048];
      int len = mbedtls_pk_write_pubkey_der(const_cast<mbedtls_pk_context*>(&peer->pk), der, sizeof der);
      if (len <= 0) return failure(TransportError::tls, "tls: cannot encode the server's public key: " + mbed_error(len));
      unsigned char digest[32];
      mbedtls_sha256_ret(der + sizeof der - std::size_t(len), std::size_t(len), digest, 0);
      bool match = false;
      for (const auto& p : pins_) match |= std::memcmp(p.data(), digest, 32) == 0;
      if (!match) {
        return failure(TransportError::pin_mismatch, "tls: the public key of " + url.host + " (sha256/" +
                                                         base64(digest, 32) + ") matches no pin");
      }
    }
    for (const std::string* part : {&head, &body}) {
      std::size_t off = 0;
      while (off < part->size()) {
        rc = mbedtls_ssl_write(&t.ssl, reinterpret_cast<const unsigned char*>(part->data()) + off, part->size() - off);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return failure(TransportError::timeout, "sending the request timed out");
        if (rc < 0) return failure(TransportError::io, "sending the request failed: " + mbed_error(rc));
        off += std::size_t(rc);
      }
    }
    unsigned char buf[16384];
    while (parser.state() == net::ResponseParser::State::head || parser.state() == net::ResponseParser::State::body) {
      rc = mbedtls_ssl_read(&t.ssl, buf, sizeof buf);
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return failure(TransportError::timeout, "waiting for the answer timed out");
      if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        parser.finish();
      } else if (rc < 0) {
        // Some servers drop the connection without close_notify after a length-less body.
        if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_RECV_FAILED) {
          if (parser.finish() == net::ResponseParser::State::done) break;
        }
        return failure(TransportError::io, "reading the answer failed: " + mbed_error(rc));
      } else {
        parser.feed(reinterpret_cast<const char*>(buf), std::size_t(rc));
      }
    }
    mbedtls_ssl_close_notify(&t.ssl);
    return finish(parser);
  }

  mbedtls_x509_crt cas_;
  std::vector<std::string> pins_;  // raw 32-byte digests
};

}  // namespace

Result<std::unique_ptr<Transport>> make_native_transport(const TlsOptions& options) {
  auto t = std::make_unique<NativeTransport>();
  if (auto st = t->init(options); !st) return st.error();
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace lantern
