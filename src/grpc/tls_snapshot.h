// The gRPC listener's certificate, reloadable (SIGHUP, as the HTTPS listener's): gRPC's TLS
// credentials read their key and certificate chain through a FileWatcherCertificateProvider,
// pointed at one PEM file (key, then chain) in a private directory of our own (mkdtemp, 0700; the
// file 0600) that this class writes. Load() and Reload() read tls.cert and tls.key, check that
// they parse and match (OpenSSL), and replace that file atomically (write, then rename), so gRPC
// never reads half a pair; the provider re-reads it every kRefreshSeconds, and new connections
// get the new certificate (open ones keep theirs). The directory is removed by the destructor.
// Free of gRPC types (grpc_edge.cc builds the credentials from path()).
//
// Thread-safety: Reload() may be called from any thread (calls are serialized); path() is fixed
// after Load(). Failure: Load()/Reload() return kInvalidRequest naming the file that does not
// load or the mismatch, and keep the previous snapshot.
#pragma once

#include <string>

#include "core/mutex.h"
#include "core/status.h"

namespace keyward {

class TlsSnapshot {
 public:
  static constexpr unsigned kRefreshSeconds = 1;

  TlsSnapshot(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  ~TlsSnapshot();
  TlsSnapshot(const TlsSnapshot&) = delete;
  TlsSnapshot& operator=(const TlsSnapshot&) = delete;

  // Makes the directory and the first snapshot.
  Status Load();
  // Re-reads the two files into the snapshot.
  Status Reload();
  // The snapshot: the private key and the certificate chain in one PEM file.
  const std::string& path() const { return path_; }

 private:
  Status Write();

  const std::string cert_file_;
  const std::string key_file_;
  std::string dir_;
  std::string path_;
  Mutex mu_;  // serializes Write()
};

}  // namespace keyward
