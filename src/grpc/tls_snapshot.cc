#include "grpc/tls_snapshot.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace keyward {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return static_cast<bool>(in) || in.eof();
}

// The key and the chain's first certificate parse and belong together.
Status CheckPair(const std::string& cert_pem, const std::string& key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  if (!cert_bio || !key_bio) return Error(ErrorCode::kInternalError, "TLS: out of memory");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return InvalidRequest("tls.cert: no PEM certificate", "cert");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return InvalidRequest("tls.key: no PEM private key", "key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return InvalidRequest("tls.key does not match the certificate in tls.cert", "key");
  }
  return Status::Ok();
}

}  // namespace

TlsSnapshot::~TlsSnapshot() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status TlsSnapshot::Load() {
  std::error_code ec;
  std::string tmpl =
      (std::filesystem::temp_directory_path(ec) / "keyward-grpc-tls-XXXXXX").string();
  if (ec || mkdtemp(tmpl.data()) == nullptr) {
    return InvalidRequest("server.listen_grpc: cannot make a directory for the TLS certificate",
                          "listen_grpc");
  }
  dir_ = tmpl;
  path_ = dir_ + "/identity.pem";
  return Write();
}

Status TlsSnapshot::Reload() {
  return Write();
}

Status TlsSnapshot::Write() {
  MutexLock lock(mu_);
  std::string cert;
  std::string key;
  if (!ReadFile(cert_file_, &cert))
    return InvalidRequest("tls.cert: cannot read " + cert_file_, "cert");
  if (!ReadFile(key_file_, &key)) return InvalidRequest("tls.key: cannot read " + key_file_, "key");
  if (Status st = CheckPair(cert, key); !st.ok()) return st;
  if (!key.empty() && key.back() != '\n') key += '\n';
  const std::string next = path_ + ".next";
  const int fd = ::open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InvalidRequest("server.listen_grpc: cannot write " + next, "listen_grpc");
  const std::string pem = key + cert;
  size_t written = 0;
  while (written < pem.size()) {
    const ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == pem.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(next.c_str(), path_.c_str()) != 0) {
    std::remove(next.c_str());
    return InvalidRequest("server.listen_grpc: cannot write " + path_, "listen_grpc");
  }
  return Status::Ok();
}

}  // namespace keyward
