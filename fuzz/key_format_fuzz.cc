// The credential parser (API.md 2.1): shape and checksum only, on any bytes. A parse that
// succeeds must describe the input (prefix, kind), and generated keys always parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/base62.h"
#include "core/key_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const keyward::KeyFormat format;
  static const keyward::KeyFormat custom(keyward::KeyPrefixes{"live0", "pub", "r"});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const keyward::KeyFormat* f : {&format, &custom}) {
    auto parsed = f->Parse(text);
    if (parsed && text.size() > keyward::kMaxCredentialLength) std::abort();
    if (parsed && parsed->kind == keyward::CredentialKind::kAccessToken &&
        !text.starts_with("at_")) {
      std::abort();
    }
    if (parsed && parsed->kind == keyward::CredentialKind::kAdminKey && !text.starts_with("ak_")) {
      std::abort();
    }
  }
  if (auto v = keyward::DecodeBase62(text.substr(0, 10)); v && text.size() <= 10) {
    // Round trip: decoding then encoding at the same width gives the input back.
    if (keyward::EncodeBase62Fixed(*v, text.size()) != text && !text.empty()) std::abort();
  }
  (void)keyward::DisplayPrefix(text, 12);
  (void)keyward::Last4(text);
  return 0;
}
