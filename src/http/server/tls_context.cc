#include "http/server/tls_context.h"

#include <openssl/ssl.h>

namespace keyward {
namespace {

namespace ssl = boost::asio::ssl;

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& cert,
                                                     const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Error(ErrorCode::kInternalError, "TLS: the cipher list was refused");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) return InvalidRequest("tls.cert: cannot load " + cert + ": " + ec.message(), "cert");
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return InvalidRequest("tls.key: cannot load " + key + ": " + ec.message(), "key");
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidRequest("tls.key does not match the certificate in tls.cert", "key");
  }
  return ctx;
}

}  // namespace

Status TlsContext::Reload() {
  auto ctx = MakeTlsContext(cert_file_, key_file_);
  if (!ctx.ok()) return ctx.error();
  MutexLock lock(mu_);
  current_ = std::move(*ctx);
  return Status::Ok();
}

std::shared_ptr<boost::asio::ssl::context> TlsContext::Current() {
  MutexLock lock(mu_);
  return current_;
}

}  // namespace keyward
