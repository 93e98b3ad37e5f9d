// Leaked-key reports (API.md 15): GitHub's secret-scanning partner program posts the keys it found
// in public code, signed with ECDSA P-256 / SHA-256 under a key named by identifier
// (leaks.github_public_keys); an admin key may post the same body unsigned (other scanners).
// Every reported key keyward issued is a true_positive whatever its state; for every live API key
// the configured action runs — revoke it now (leaks.action = "revoke", the default) or only notify
// — and a token.leaked event records it (data.object the token, revoked if it was; data.leak
// {url, source, reported_by}) in the same transaction as the revocation. Keys keyward does not
// know are false_positive. Access tokens and admin keys are recognised (true_positive) but not
// acted on: access tokens die within the hour, admin keys are the operator's to rotate (logged).
// Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/status.h"
#include "service/principal.h"
#include "service/settings.h"
#include "service/token_service.h"
#include "store/store.h"

namespace keyward {

struct LeakReport {
  std::string token;   // the key as found
  std::string type;    // the scanner's name for the kind of secret
  std::string url;     // where it was found
  std::string source;  // "content", "commit", …
};

struct LeakVerdict {
  std::string token_raw;
  std::string token_type;
  std::string label;  // "true_positive" or "false_positive"
};

inline constexpr size_t kMaxLeakReports = 1000;

class LeakService {
 public:
  LeakService(Store& store, TokenService& tokens, const LeakSettings& settings,
              const KeyFormat& format, const Clock& clock);

  // OK when `signature_b64` (base64 DER ECDSA) verifies over `body` with the configured key named
  // `key_id`; kUnauthorized otherwise (unknown identifier, malformed or wrong signature).
  Status VerifyGithubSignature(std::string_view key_id, std::string_view signature_b64,
                               std::string_view body) const;
  // Acts on the reports (see the header comment). `who` is the actor of the events: the system
  // ("github") for a signed report, the admin key otherwise. Store errors stop the run.
  Result<std::vector<LeakVerdict>> Report(const Principal& who, bool from_github,
                                          const std::vector<LeakReport>& reports);

 private:
  Result<bool> ActOn(const Principal& who, std::string_view reported_by, const LeakReport& report);

  Store& store_;
  TokenService& tokens_;
  const LeakSettings& settings_;
  const KeyFormat& format_;
  const Clock& clock_;
};

}  // namespace keyward
