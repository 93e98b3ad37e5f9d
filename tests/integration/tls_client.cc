#include "tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace keyward_it {
namespace {

std::string OpenSslError(std::string_view what) {
  std::string out(what);
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  return out;
}

std::string AsciiLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TlsClient::TlsClient(uint16_t port, TlsOptions options) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error(OpenSslError("SSL_CTX_new"));
  if (options.allow_legacy) SSL_CTX_set_security_level(ctx_, 0);
  SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx_, options.ciphers.c_str()) != 1) {
    SSL_CTX_free(ctx_);
    throw std::runtime_error(OpenSslError("cipher list"));
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    SSL_CTX_free(ctx_);
    throw std::runtime_error("TLS connect to port " + std::to_string(port) + " failed");
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    std::string why = OpenSslError("TLS handshake failed");
    SSL_free(ssl_);
    ::close(fd_);
    SSL_CTX_free(ctx_);
    throw std::runtime_error(why);
  }
}

TlsClient::~TlsClient() {
  SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
  SSL_CTX_free(ctx_);
}

bool TlsClient::Fill() {
  char chunk[16384];
  int n = SSL_read(ssl_, chunk, sizeof chunk);
  if (n <= 0) return false;
  buf_.append(chunk, static_cast<size_t>(n));
  return true;
}

Response TlsClient::Request(std::string_view method, std::string_view target,
                            const Headers& headers, std::optional<std::string> body) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  if (body) {
    req.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body->size()))
        .append("\r\n");
  }
  req.append("\r\n");
  if (body) req.append(*body);
  if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size())) {
    throw std::runtime_error(OpenSslError("TLS write failed"));
  }
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) throw std::runtime_error("TLS connection closed before a response header");
  }
  std::istringstream lines(buf_.substr(0, end));
  buf_.erase(0, end + 4);
  Response r;
  std::string line;
  std::getline(lines, line);
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
    throw std::runtime_error("malformed status line: " + line);
  }
  r.status = std::stoi(line.substr(9, 3));
  size_t length = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (AsciiLower(name) == "content-length") length = std::stoul(value);
    r.headers.emplace_back(name, value);
  }
  while (buf_.size() < length) {
    if (!Fill()) throw std::runtime_error("TLS connection closed inside a response body");
  }
  r.body = buf_.substr(0, length);
  buf_.erase(0, length);
  return r;
}

std::string TlsClient::PeerCommonName() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return "";
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

std::string TlsClient::Protocol() const {
  return SSL_get_version(ssl_);
}
std::string TlsClient::Cipher() const {
  return SSL_get_cipher_name(ssl_);
}

std::optional<std::string> TlsHandshakeError(uint16_t port, TlsOptions options) {
  try {
    TlsClient c(port, std::move(options));
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

void MakeSelfSignedCert(const std::string& cert_path, const std::string& key_path,
                        const std::string& common_name) {
  const std::string tmp_cert = cert_path + ".new", tmp_key = key_path + ".new";
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 2 -subj '/CN=" +
      common_name + "' -keyout '" + tmp_key + "' -out '" + tmp_cert + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed: " + cmd);
  // Replace both files by rename so that a reload never sees half a file.
  if (std::rename(tmp_key.c_str(), key_path.c_str()) != 0 ||
      std::rename(tmp_cert.c_str(), cert_path.c_str()) != 0) {
    throw std::runtime_error("cannot move the new certificate into place");
  }
}

}  // namespace keyward_it
