// SHA-256 through OpenSSL 3's EVP interface with the algorithm fetched once (process-wide) and one
// reusable digest context per thread. Any OpenSSL failure here is a broken installation: abort.
#include "core/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace keyward {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "keyward: OpenSSL SHA-256 failure: %s\n", what);
  std::abort();
}

const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) Die("EVP_MD_fetch");
    return fetched;  // intentionally never freed: lives as long as the process
  }();
  return md;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) Die("EVP_MD_CTX_new");
  return ctx.get();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Digest Sha256(std::string_view data) {
  const EVP_MD* md = Sha256Md();
  EVP_MD_CTX* ctx = ThreadCtx();
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1) Die("EVP_DigestInit_ex2");
  if (EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) Die("EVP_DigestUpdate");
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    Die("EVP_DigestFinal_ex");
  }
  return out;
}

std::string DigestHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * d.size(), '0');
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 0xF];
  }
  return out;
}

bool DigestFromHex(std::string_view hex, Digest* out) {
  Digest d;
  if (hex.size() != 2 * d.size()) return false;
  for (size_t i = 0; i < d.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    d[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  *out = d;
  return true;
}

size_t DigestHash::operator()(const Digest& d) const noexcept {
  size_t h;
  std::memcpy(&h, d.data(), sizeof(h));
  return h;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace keyward
