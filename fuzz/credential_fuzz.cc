// Credential header parsing (API.md 1.1): x-api-key and Authorization on any bytes. The input is
// "<flags byte><x-api-key>\0<authorization>"; the flags say which headers are present. A present
// credential always points into one of the inputs and is never empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t nul = rest.find('\0');
  const std::string_view a = rest.substr(0, nul);
  const std::string_view b =
      nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  std::optional<std::string_view> x_api_key, authorization;
  if (flags & 1) x_api_key = a;
  if (flags & 2) authorization = b;
  const keyward::PresentedCredential c = keyward::ExtractCredential(x_api_key, authorization);
  if (c.presence == keyward::CredentialPresence::kPresent) {
    if (c.value.empty()) std::abort();
    const char* p = c.value.data();
    const bool in_a = p >= a.data() && p + c.value.size() <= a.data() + a.size();
    const bool in_b = p >= b.data() && p + c.value.size() <= b.data() + b.size();
    if (!in_a && !in_b) std::abort();
  }
  if (!x_api_key && !authorization && c.presence != keyward::CredentialPresence::kMissing) {
    std::abort();
  }
  return 0;
}
