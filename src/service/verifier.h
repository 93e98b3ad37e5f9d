// The hot path: credential → verdict. Three kinds of answer, as in Envoy's ext_authz: allowed
// (VALID), denied (a catalogue code: UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, ...) and
// could-not-decide (UNAVAILABLE: the store failed while looking up an unknown key, or the shared
// limiter/meter in Redis did not answer — then redis.on_unavailable decides, see Degraded()).
//
// A known credential never touches the store: shape and checksum are checked first (garbage never
// reaches a lookup), then the SHA-256 is looked up in the KeyIndex. Unknown digests consult the
// store once and are remembered as missing for a short time.
// Thread-safe; no global lock on the path, and no heap allocation on a valid verification of a
// credential the index holds (checked by verifier_alloc_test.cc, measured by
// bench/verify_bench.cc).
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/status.h"
#include "limits/limits_and_credits.h"
#include "service/account_directory.h"
#include "service/key_index.h"
#include "service/key_record.h"
#include "service/outcome_counters.h"
#include "service/settings.h"
#include "service/usage_recorder.h"
#include "store/store.h"

namespace keyward {

// The client's address for one verification, asked for only when it is needed (a key with an IP
// allowlist, the sandbox's per-IP limit), so that other keys never pay for working it out.
// Used on one thread, during one call.
class ClientAddress {
 public:
  virtual ~ClientAddress() = default;
  // The address as text; empty when there is none (the caller is a gateway that did not say).
  virtual std::string_view Get() const = 0;
};

// An address known up front (possibly empty: none).
class FixedClientAddress final : public ClientAddress {
 public:
  explicit FixedClientAddress(std::string_view ip) : ip_(ip) {}
  std::string_view Get() const override { return ip_; }

 private:
  std::string_view ip_;
};

// The rate-limit figures reported in headers and verdicts (API.md 1.3): the tightest bucket.
struct RateLimitReport {
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_unix = 0;
  int64_t reset_after_s = 0;
  int64_t retry_after_s = 0;  // set when refused
  int64_t window_seconds = 0;
  std::string policy;  // "per-key", "per-route" or "per-account"
};

struct Verdict {
  std::optional<ErrorCode> error;  // nullopt: VALID
  std::string message;             // public; set when error
  // The identified credential, when it was identified (also when refused as revoked, expired or
  // disabled; an access token whose parent is gone: the parent).
  KeyRecordPtr record;
  // The key's metadata and allowlist (an access token: its parent key's, as they are now).
  std::shared_ptr<const KeyExtras> extras;
  std::optional<RateLimitReport> ratelimit;
  int64_t charged = 0;
  int64_t cost_due = 0;            // Consume::kDeferCharge: what ChargeDeferred() will charge
  std::optional<int64_t> balance;  // the account's credits after this request; nullopt = unlimited
  int64_t decided_at = 0;          // Unix seconds: the minute its usage was counted in

  bool valid() const { return !error.has_value(); }
  static Verdict Deny(ErrorCode code, std::string message, KeyRecordPtr record = nullptr) {
    Verdict v;
    v.error = code;
    v.message = std::move(message);
    v.record = std::move(record);
    return v;
  }
};

// What a management route asks of a key caller once its per-key limit passed (AdmitManagement),
// checked in this order; a failed check is 403 FORBIDDEN.
struct ManagementRequest {
  bool admin_only = false;          // only admin keys may call it
  std::string_view account_header;  // Keyward-Account as sent (empty: none): must be the key's own
  std::string_view permission;      // a secret key, or a restricted key granting it
};

// kNo: a dry run (the CLI's verify) — no limits, no usage. kDeferCharge: limits and usage as kYes,
// but the credit cost is only checked against the balance and left in Verdict::cost_due for
// ChargeDeferred() (the proxy charges once the upstream is reached, not when it is unreachable).
enum class Consume { kYes, kNo, kDeferCharge };

class Verifier {
 public:
  // `limits` takes the limits and charges the credits (limits/limits_and_credits.h).
  Verifier(Store& store, KeyIndex& index, AccountDirectory& accounts, LimitsAndCredits& limits,
           UsageRecorder& usage, const ServiceSettings& settings, const KeyFormat& format,
           const Clock& clock);

  // Shape, checksum, lookup, revocation and expiry. On success the record of a live credential:
  // an API key, an access token whose parent key is live, or the sandbox key.
  // Errors: kUnauthorized (missing/malformed/unknown/revoked/expired key, or an access token whose
  // parent is revoked or expired), kTokenExpired (an expired access token), kUnavailable (store
  // failure on an unknown digest).
  Result<KeyRecordPtr> Identify(std::string_view credential);
  // Everything a protected request needs: Identify, then type and permission for the matched
  // route, then the limits (per key and per route; the sandbox per client IP), then the route's
  // credit cost (live mode only; a balance below it is QUOTA_EXCEEDED); notes usage when VALID
  // and consume is kYes. `client_ip` is the caller's client address (for the sandbox limit).
  // Every call counts its outcome once in outcomes(), and — unless consume is kNo — its usage
  // (API.md 12): the one place where /v1/auth, /v1/keys/verify, the proxy and the gRPC check are
  // counted. A credential that identified nobody, the sandbox key and UNAVAILABLE are not counted.
  // Right after the credential is identified, its IP allowlist (if any) is checked against the
  // client address, before any limit: a refusal (403 FORBIDDEN) takes nothing and charges nothing.
  Verdict Verify(std::string_view credential, std::string_view method, std::string_view path,
                 std::string_view client_ip = {}, Consume consume = Consume::kYes);
  Verdict Verify(std::string_view credential, std::string_view method, std::string_view path,
                 const ClientAddress& client, Consume consume = Consume::kYes);
  // How many verifications ended in each outcome since start (GET /metrics).
  const OutcomeCounters& outcomes() const { return outcomes_; }
  // How many lookups of a credential reached the store (neither in the index nor remembered as
  // unknown) since start (GET /metrics: keyward_verifier_store_lookups_total).
  uint64_t store_lookups() const { return store_lookups_.load(std::memory_order_relaxed); }

  // Charges a kDeferCharge verdict's cost_due (no-op when 0). On a balance that no longer holds it
  // the verdict becomes QUOTA_EXCEEDED and false is returned; otherwise charged/balance are set.
  // Usage follows: the credits, or the verdict's new outcome, in the minute it was counted in.
  bool ChargeDeferred(Verdict& verdict);

  // Identify for a management call authenticated by `credential`, then the key's IP allowlist (an
  // access token: its parent's current one) against `client`: outside it, or no address at all,
  // is kForbidden (API.md 11.1, 11.5). A refusal of an identified credential (revoked, expired,
  // disabled, outside its allowlist, an expired access token) is counted in usage.
  Result<KeyRecordPtr> IdentifyCaller(std::string_view credential, const ClientAddress& client);
  // Admission of a management call made with an identified key: its per-key limit only (fails
  // closed — UNAVAILABLE — when the shared limiter cannot be reached, whatever on_unavailable
  // says), then `request`'s checks (FORBIDDEN). The outcome is counted in usage.
  Verdict AdmitManagement(const KeyRecordPtr& record, const ManagementRequest& request = {});
  // A management call AdmitManagement admitted (and counted valid at `decided_at`) whose handler
  // then refused it FORBIDDEN (the domain's own checks): its usage is corrected to forbidden.
  void CountHandlerRefusal(const KeyRecordPtr& record, int64_t decided_at);

  const KeyRecordPtr& sandbox_record() const { return sandbox_; }

 private:
  // Identify's work: the record when the credential was identified (even when refused, as an
  // expired access token is: it still counts against its own limit), and the refusal if any.
  struct Identification {
    KeyRecordPtr record;
    std::optional<Error> error;
    bool held = true;  // the record was in the index already (not just read from the store)
    // Refused without `record`: the key refused as revoked, expired or disabled (or its account
    // disabled; an access token's parent that is gone), whose usage the refusal is.
    KeyRecordPtr refused = nullptr;
    KeyRecordPtr parent = nullptr;  // an access token's live parent key
    // The key whose metadata and allowlist apply: the record itself, or an access token's parent.
    const KeyRecord* owner() const { return parent ? parent.get() : record.get(); }
  };
  Identification Resolve(std::string_view credential, int64_t now_unix);
  // kForbidden when `owner` has an allowlist that `client` is not in (or no client address).
  static std::optional<Error> CheckAllowlist(const KeyRecord* owner, const ClientAddress& client);
  Verdict Decide(std::string_view credential, std::string_view method, std::string_view path,
                 const ClientAddress& client, Consume consume, int64_t now_ns);
  Identification ResolveWith(std::string_view credential, bool* loaded, int64_t now_unix);
  // Counts `verdict` in usage at `now_unix` (see Verify).
  void CountUsage(Verdict& verdict, int64_t now_unix);

  // The record for `digest` from the index, else the store (remembered either way). nullptr when
  // unknown; kUnavailable on a store failure.
  // `loaded` (when given) is set when the record was read from the store.
  Result<KeyRecordPtr> Lookup(const Digest& digest, CredentialKind kind, bool* loaded = nullptr);
  Result<KeyRecordPtr> LoadAccessToken(const Digest& digest);
  Verdict Admit(Verdict verdict, const RouteRule* rule, const ClientAddress& client,
                Consume consume, int64_t now_ns, bool management = false, bool held = true);
  // When the shared limiter or meter cannot be reached (redis.on_unavailable): a denial stays a
  // denial; with "open", a valid verdict for a credential this node already held passes without
  // limits or charges; anything else (and every management call) is UNAVAILABLE.
  Verdict Degraded(Verdict verdict, bool management, bool held);

  Store& store_;
  KeyIndex& index_;
  AccountDirectory& accounts_;
  LimitsAndCredits& limits_;
  CreditMeter& credits_;  // limits_.credits()
  UsageRecorder& usage_;
  const ServiceSettings& settings_;
  const KeyFormat& format_;
  const Clock& clock_;
  KeyRecordPtr sandbox_;  // null when the sandbox is disabled
  OutcomeCounters outcomes_;
  std::atomic<uint64_t> store_lookups_{0};
};

}  // namespace keyward
