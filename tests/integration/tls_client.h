// A minimal blocking HTTPS/1.1 client for the integration tests, on OpenSSL: one TLS connection to
// 127.0.0.1:port with keep-alive, a receive timeout, and a chosen protocol-version range and
// cipher list so that tests can check what the server refuses. It does not verify the server's
// certificate (tests use throw-away self-signed ones) but exposes its subject for checks.
// Thread-safety: one client per thread.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness.h"

namespace keyward_it {

struct TlsOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = 0;        // 0 = the highest the library has
  std::string ciphers = "";   // TLS 1.2 cipher list; empty = library default
  bool allow_legacy = false;  // security level 0, so that TLS 1.0/1.1 can even be offered
};

class TlsClient {
 public:
  // Connects and completes the handshake; throws std::runtime_error (with OpenSSL's reason) when
  // either fails.
  explicit TlsClient(uint16_t port, TlsOptions options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Sends one request (Host and Content-Length added) and reads one Content-Length response.
  // Throws when the connection closes first or a read times out (10 s).
  Response Request(std::string_view method, std::string_view target, const Headers& headers = {},
                   std::optional<std::string> body = std::nullopt);

  std::string PeerCommonName() const;  // the server certificate's CN
  std::string Protocol() const;        // "TLSv1.3", "TLSv1.2"
  std::string Cipher() const;

 private:
  bool Fill();  // false on EOF/error
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

// The handshake's failure reason, or nullopt when a handshake with `options` succeeds.
std::optional<std::string> TlsHandshakeError(uint16_t port, TlsOptions options);

// Writes a fresh self-signed P-256 certificate for CN=`common_name` and its key (PEM) with the
// openssl CLI; throws when it fails.
void MakeSelfSignedCert(const std::string& cert_path, const std::string& key_path,
                        const std::string& common_name);

}  // namespace keyward_it
