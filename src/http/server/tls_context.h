// The HTTPS listener's TLS context: TLS 1.2+ only, forward-secret AEAD cipher suites (Mozilla
// "intermediate" without DHE; TLS 1.3 keeps OpenSSL's defaults, all AEAD), no compression or
// renegotiation. Reload() builds a new context from the files and swaps it in: new handshakes use
// it, open connections keep the one they started with (they hold a shared_ptr).
// Thread-safety: Reload and Current from any thread (one mutex, held only for the swap).
// Failure: Reload leaves the old context in place and returns kInvalidRequest naming the file at
// fault (unreadable, not PEM, key not matching the certificate).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

namespace keyward {

class TlsContext {
 public:
  TlsContext(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  Status Reload();
  // The context for a new handshake; null before the first successful Reload.
  std::shared_ptr<boost::asio::ssl::context> Current();

 private:
  const std::string cert_file_;
  const std::string key_file_;
  Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ GUARDED_BY(mu_);
};

}  // namespace keyward
