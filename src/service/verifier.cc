#include "service/verifier.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/cidr.h"
#include "core/permissions.h"
#include "core/sha256.h"

namespace keyward {
namespace {

constexpr std::string_view kMalformed = "The API key is malformed.";
constexpr std::string_view kUnknown = "The API key is not valid.";
constexpr std::string_view kRevoked = "The API key has been revoked.";
constexpr std::string_view kExpired = "The API key has expired.";
constexpr std::string_view kParentGone =
    "The key that issued this access token is no longer valid.";
constexpr std::string_view kTokenExpired = "The access token has expired.";
constexpr std::string_view kStoreDown = "The key store is unavailable.";
constexpr std::string_view kKeyDisabled = "The API key is disabled.";
constexpr std::string_view kAccountDisabled = "The account is disabled.";
constexpr std::string_view kAddressRefused = "The client address is not allowed for this key.";

// The built-in sandbox identity (API.md 6): fixed ids so gateways can recognise it.
constexpr std::string_view kSandboxTokenId = "tok_sandbox00000000000000000";
constexpr std::string_view kSandboxAccountId = "acct_sandbox00000000000000000";

// "s:<ip>" or "r:<route index>:<bucket>" without touching the heap (an IPv6 address is at most
// 45 characters, a bucket 28).
class BucketName {
 public:
  std::string_view Make(std::string_view prefix, std::string_view rest) {
    len_ = 0;
    Append(prefix);
    Append(rest);
    return {buf_.data(), len_};
  }
  std::string_view MakeRoute(size_t index, std::string_view bucket) {
    len_ = 0;
    Append("r:");
    auto [end, ec] = std::to_chars(buf_.data() + len_, buf_.data() + buf_.size(), index);
    len_ = static_cast<size_t>(end - buf_.data());
    Append(":");
    Append(bucket);
    return {buf_.data(), len_};
  }

 private:
  void Append(std::string_view s) {
    const size_t n = std::min(s.size(), buf_.size() - len_);
    std::copy_n(s.data(), n, buf_.data() + len_);
    len_ += n;
  }
  std::array<char, 96> buf_;
  size_t len_ = 0;
};

// QUOTA_EXCEEDED for a request costing `cost`: the one refusal every charging path gives.
void DenyForQuota(Verdict& verdict, int64_t cost) {
  verdict.error = ErrorCode::kQuotaExceeded;
  verdict.message =
      "The account's credit balance is below this request's cost of " + std::to_string(cost) + ".";
}

Error Unauthorized(std::string_view message) {
  return Error(ErrorCode::kUnauthorized, std::string(message));
}

// How usage counts a verdict (API.md 12).
UsageOutcome OutcomeOf(const std::optional<ErrorCode>& error) {
  if (!error) return UsageOutcome::kValid;
  switch (*error) {
    case ErrorCode::kRateLimited:
      return UsageOutcome::kRateLimited;
    case ErrorCode::kQuotaExceeded:
      return UsageOutcome::kQuotaExceeded;
    case ErrorCode::kForbidden:
    case ErrorCode::kTokenExpired:
      return UsageOutcome::kForbidden;
    case ErrorCode::kUnauthorized:
      return UsageOutcome::kUnauthorized;
    default:
      return UsageOutcome::kNone;  // UNAVAILABLE: keyward could not decide
  }
}

// A route permission is held by an API key itself: a secret key, or a restricted key granting it.
bool Holds(const KeyRecord& key, std::string_view permission) {
  return key.kind == CredentialKind::kApiKey &&
         (key.type == KeyType::kSecret ||
          (key.type == KeyType::kRestricted && AnyGrants(key.permissions, permission)));
}

// "billing:read" → "This key may not read billing."
std::string PermissionRefusal(std::string_view permission) {
  const size_t colon = permission.find(':');
  std::string_view resource = permission.substr(0, colon);
  std::string_view action = colon == std::string_view::npos ? "use" : permission.substr(colon + 1);
  std::string text = "This key may not ";
  text.append(action).append(" ").append(resource).append(".");
  return text;
}

}  // namespace

Verifier::Verifier(Store& store, KeyIndex& index, AccountDirectory& accounts,
                   LimitsAndCredits& limits, UsageRecorder& usage, const ServiceSettings& settings,
                   const KeyFormat& format, const Clock& clock)
    : store_(store),
      index_(index),
      accounts_(accounts),
      limits_(limits),
      credits_(limits.credits()),
      usage_(usage),
      settings_(settings),
      format_(format),
      clock_(clock) {
  if (settings_.sandbox.enabled) {
    auto account = std::make_shared<AccountInfo>(std::string(kSandboxAccountId));
    account->Set(settings_.sandbox.rate_limit, std::nullopt, false);
    auto r = std::make_shared<KeyRecord>();
    r->set_token_id(kSandboxTokenId);
    r->account = std::move(account);
    r->type = KeyType::kSecret;  // every protected route
    r->livemode = false;         // test mode: never charged
    r->sandbox = true;
    sandbox_ = std::move(r);
  }
}

Result<KeyRecordPtr> Verifier::LoadAccessToken(const Digest& digest) {
  auto row = store_.FindAccessTokenByHash(digest);
  if (!row.ok()) return Error(ErrorCode::kUnavailable, std::string(kStoreDown));
  if (!row->has_value()) return KeyRecordPtr();
  auto parent = Lookup((*row)->parent_hash, CredentialKind::kApiKey);
  if (!parent.ok()) return parent.error();
  if (!*parent) return KeyRecordPtr();
  return MakeAccessRecord(**row, **parent);
}

Result<KeyRecordPtr> Verifier::Lookup(const Digest& digest, CredentialKind kind, bool* loaded) {
  if (KeyRecordPtr found = index_.Find(digest)) return found;
  if (loaded) *loaded = true;
  const int64_t now_ns = clock_.NowNanos();
  if (index_.KnownMissing(digest, now_ns)) return KeyRecordPtr();
  store_lookups_.fetch_add(1, std::memory_order_relaxed);
  KeyRecordPtr record;
  if (kind == CredentialKind::kAccessToken) {
    auto token = LoadAccessToken(digest);
    if (!token.ok()) return token.error();
    record = std::move(*token);
  } else {
    auto row = store_.FindTokenByHash(digest);
    if (!row.ok()) return Error(ErrorCode::kUnavailable, std::string(kStoreDown));
    if (row->has_value()) {
      auto account = accounts_.Get((*row)->account_id);
      if (!account.ok()) return Error(ErrorCode::kUnavailable, std::string(kStoreDown));
      if (*account) record = MakeRecord(**row, *account);
    }
  }
  if (!record) {
    index_.RememberMissing(digest, now_ns);
    return KeyRecordPtr();
  }
  return index_.Fill(digest, std::move(record));
}

Result<KeyRecordPtr> Verifier::Identify(std::string_view credential) {
  Identification id = Resolve(credential, clock_.NowUnix());
  if (id.error) return *id.error;
  return std::move(id.record);
}

Result<KeyRecordPtr> Verifier::IdentifyCaller(std::string_view credential,
                                              const ClientAddress& client) {
  const int64_t now = clock_.NowUnix();
  Identification id = Resolve(credential, now);
  if (!id.error) id.error = CheckAllowlist(id.owner(), client);
  if (!id.error) return std::move(id.record);
  Verdict refused = Verdict::Deny(id.error->code(), {}, id.record ? id.record : id.refused);
  CountUsage(refused, now);
  return *id.error;
}

std::optional<Error> Verifier::CheckAllowlist(const KeyRecord* owner, const ClientAddress& client) {
  if (owner == nullptr || !owner->extras || !owner->extras->fenced) return std::nullopt;
  // Fail closed: no address (a gateway that did not say) is outside every allowlist.
  std::optional<IpAddress> ip = ParseIp(client.Get());
  if (ip && AnyContains(owner->extras->allowlist, *ip)) return std::nullopt;
  return Error(ErrorCode::kForbidden, std::string(kAddressRefused));
}

Verifier::Identification Verifier::Resolve(std::string_view credential, int64_t now_unix) {
  bool loaded = false;
  Identification id = ResolveWith(credential, &loaded, now_unix);
  id.held = !loaded;
  return id;
}

Verifier::Identification Verifier::ResolveWith(std::string_view credential, bool* loaded,
                                               int64_t now) {
  if (sandbox_ && ConstantTimeEquals(credential, settings_.sandbox.key)) return {sandbox_, {}};
  std::optional<ParsedCredential> parsed = format_.Parse(credential);
  if (!parsed && index_.accepts_foreign() && IsForeignKeyCandidate(format_, credential)) {
    // A key imported from another system (API.md 11.4): found by its hash like any API key; a
    // credential in keyward's own shape was refused by its checksum above and never gets here.
    parsed = ParsedCredential{.kind = CredentialKind::kApiKey};
  }
  if (!parsed || parsed->kind == CredentialKind::kAdminKey)
    return {nullptr, Unauthorized(kMalformed)};

  auto found = Lookup(Sha256(credential), parsed->kind, loaded);
  if (!found.ok()) return {nullptr, found.error()};
  KeyRecordPtr record = std::move(*found);
  if (!record) return {nullptr, Unauthorized(kUnknown)};

  if (record->kind == CredentialKind::kAccessToken) {
    // The parent decides first: revoking (or rolling, or disabling) the key kills its tokens at
    // once, and a disabled account's message wins over the key's (API.md 11.5).
    auto parent = Lookup(record->access->parent_hash, CredentialKind::kApiKey);
    if (!parent.ok()) return {nullptr, parent.error()};
    KeyRecordPtr owner = std::move(*parent);
    if (!owner) return {nullptr, Unauthorized(kParentGone)};
    if (owner->account->disabled()) {
      return {nullptr, Unauthorized(kAccountDisabled), true, std::move(owner)};
    }
    if (owner->StatusAt(now) != TokenStatus::kActive) {
      return {nullptr, Unauthorized(kParentGone), true, std::move(owner)};
    }
    if (owner->disabled) return {nullptr, Unauthorized(kKeyDisabled), true, std::move(owner)};
    if (record->StatusAt(now) == TokenStatus::kExpired) {
      return {std::move(record), Error(ErrorCode::kTokenExpired, std::string(kTokenExpired)), true,
              nullptr, std::move(owner)};
    }
    return {std::move(record), {}, true, nullptr, std::move(owner)};
  }
  // Refusals of a key that was identified count as its unauthorized usage (`refused`).
  if (record->account->disabled()) {
    return {nullptr, Unauthorized(kAccountDisabled), true, std::move(record)};
  }
  switch (record->StatusAt(now)) {
    case TokenStatus::kActive:
      if (record->disabled) return {nullptr, Unauthorized(kKeyDisabled), true, std::move(record)};
      return {std::move(record), {}};
    case TokenStatus::kRevoked:
      return {nullptr, Unauthorized(kRevoked), true, std::move(record)};
    case TokenStatus::kExpired:
      return {nullptr, Unauthorized(kExpired), true, std::move(record)};
    case TokenStatus::kDisabled:
      return {nullptr, Unauthorized(kKeyDisabled), true, std::move(record)};
  }
  return {nullptr, Unauthorized(kUnknown)};
}

Verdict Verifier::Verify(std::string_view credential, std::string_view method,
                         std::string_view path, std::string_view client_ip, Consume consume) {
  return Verify(credential, method, path, FixedClientAddress(client_ip), consume);
}

Verdict Verifier::Verify(std::string_view credential, std::string_view method,
                         std::string_view path, const ClientAddress& client, Consume consume) {
  const int64_t now_ns = clock_.NowNanos();
  Verdict verdict = Decide(credential, method, path, client, consume, now_ns);
  outcomes_.Add(verdict.error);
  if (consume != Consume::kNo) CountUsage(verdict, now_ns / 1'000'000'000);
  return verdict;
}

void Verifier::CountUsage(Verdict& verdict, int64_t now_unix) {
  if (!verdict.record || verdict.record->sandbox) return;
  const UsageOutcome outcome = OutcomeOf(verdict.error);
  if (outcome == UsageOutcome::kNone) return;
  verdict.decided_at = now_unix;
  usage_.Count(verdict.record, now_unix, outcome, verdict.charged);
}

Verdict Verifier::Decide(std::string_view credential, std::string_view method,
                         std::string_view path, const ClientAddress& client, Consume consume,
                         int64_t now_ns) {
  Identification id = Resolve(credential, now_ns / 1'000'000'000);
  if (id.error) {
    Verdict denied = Verdict::Deny(id.error->code(), id.error->message(), id.record);
    // An identified but refused credential (an expired access token) counts against its limit.
    if (id.record) {
      return Admit(std::move(denied), nullptr, client, consume, now_ns, false, id.held);
    }
    // Whose usage a revoked, expired or disabled key's refusal is.
    denied.record = std::move(id.refused);
    return denied;
  }
  // The allowlist right after identification, before limits: a refusal takes and charges nothing.
  if (auto refused = CheckAllowlist(id.owner(), client)) {
    return Verdict::Deny(refused->code(), refused->message(), std::move(id.record));
  }
  Verdict verdict;
  if (const KeyRecord* owner = id.owner(); owner->extras) verdict.extras = owner->extras;
  verdict.record = std::move(id.record);
  const KeyRecord& rec = *verdict.record;
  const RouteRule* rule = settings_.routes.Match(method, path);

  if (rec.type == KeyType::kPublishable && (rule == nullptr || !rule->publishable)) {
    verdict.error = ErrorCode::kForbidden;
    verdict.message = "Publishable keys may not call this route.";
  } else if (rec.type == KeyType::kRestricted && rule != nullptr &&
             !AnyGrants(rec.permissions, rule->permission)) {
    verdict.error = ErrorCode::kForbidden;
    verdict.message = "This key lacks the permission " + rule->permission + ".";
  }
  return Admit(std::move(verdict), rule, client, consume, now_ns, false, id.held);
}

bool Verifier::ChargeDeferred(Verdict& verdict) {
  if (!verdict.valid() || verdict.cost_due <= 0) return verdict.valid();
  const int64_t cost = verdict.cost_due;
  verdict.cost_due = 0;
  CreditCharge charge = credits_.Charge(verdict.record->account->id, cost);
  // Verify counted this request as valid without credits; the answer it ends with is corrected in
  // the same minute.
  const bool counted = verdict.decided_at != 0;
  if (charge.unavailable) {
    // The shared meter (Redis) did not answer: fail open passes uncharged, closed refuses.
    if (settings_.redis.fail_open) return true;
    verdict.error = ErrorCode::kUnavailable;
    verdict.message = "The credit meter is unavailable.";
    if (counted) usage_.Adjust(verdict.record, verdict.decided_at, UsageCounts{.valid = -1});
    return false;
  }
  verdict.balance = charge.balance;
  if (!charge.allowed) {
    DenyForQuota(verdict, cost);
    if (counted) {
      usage_.Adjust(verdict.record, verdict.decided_at,
                    UsageCounts{.valid = -1, .quota_exceeded = 1});
    }
    return false;
  }
  verdict.charged = cost;
  if (counted) usage_.Adjust(verdict.record, verdict.decided_at, UsageCounts{.credits = cost});
  return true;
}

Verdict Verifier::AdmitManagement(const KeyRecordPtr& record, const ManagementRequest& request) {
  Verdict verdict;
  verdict.record = record;
  const int64_t now_ns = clock_.NowNanos();
  verdict = Admit(std::move(verdict), nullptr, FixedClientAddress({}), Consume::kYes, now_ns,
                  /*management=*/true);
  if (verdict.valid()) {
    const KeyRecord& rec = *record;
    if (request.admin_only) {
      verdict.error = ErrorCode::kForbidden;
      verdict.message = "Only admin keys manage accounts.";
    } else if (!request.account_header.empty() && request.account_header != rec.account->id) {
      verdict.error = ErrorCode::kForbidden;
      verdict.message = "This key may act only on its own account.";
    } else if (!request.permission.empty() && !Holds(rec, request.permission)) {
      verdict.error = ErrorCode::kForbidden;
      verdict.message = PermissionRefusal(request.permission);
    }
  }
  CountUsage(verdict, now_ns / 1'000'000'000);
  return verdict;
}

void Verifier::CountHandlerRefusal(const KeyRecordPtr& record, int64_t decided_at) {
  if (record && decided_at != 0) {
    usage_.Adjust(record, decided_at, UsageCounts{.valid = -1, .forbidden = 1});
  }
}

Verdict Verifier::Degraded(Verdict verdict, bool management, bool held) {
  if (!verdict.valid()) return verdict;
  if (settings_.redis.fail_open && !management && held) {
    const KeyRecord& rec = *verdict.record;
    if (rec.kind == CredentialKind::kApiKey && !rec.sandbox) {
      usage_.Note(rec, clock_.NowUnix());
    }
    return verdict;  // no limits, no charge
  }
  return Verdict::Deny(ErrorCode::kUnavailable,
                       "Rate limits and credits are unavailable: Redis does not answer.",
                       std::move(verdict.record));
}

Verdict Verifier::Admit(Verdict verdict, const RouteRule* rule, const ClientAddress& client,
                        Consume consume, int64_t now_ns, bool management, bool held) {
  const KeyRecord& rec = *verdict.record;
  if (consume == Consume::kNo) {
    if (auto snapshot = credits_.Snapshot(rec.account->id)) verdict.balance = snapshot->balance;
    return verdict;
  }

  // Refused requests still count against the per-key limit (a denied caller must not be able to
  // probe for free), but only valid ones take from the route's own limit.
  // Bucket names: a key's bucket is its token id (no copy), an access token's its own "at:…",
  // the sandbox's "s:<client ip>"; a route's is "r:<rule index>:<that name>".
  // An account with an account_rate_limit adds its one shared budget, "a:<account id>", which
  // every key of the account takes from (valid requests only, like a route's).
  // Composed names are built in a stack buffer: no allocation on the request path.
  // Redis Cluster: the buckets of a key carry its account's id as their hash tag, so that they and
  // the account's balance share a slot (one script per request); the sandbox's its own name.
  std::array<BucketRequest, 3> buckets;
  size_t n = 0;
  size_t account_bucket = buckets.size();  // index of the per-account bucket, if any
  BucketName composed;
  BucketName account_name;
  if (rec.sandbox) {
    const std::string_view client_ip = client.Get();
    const std::string_view ip_bucket =
        composed.Make("s:", client_ip.empty() ? "unknown" : client_ip);
    buckets[n++] = BucketRequest{ip_bucket, settings_.sandbox.rate_limit, 1, ip_bucket};
  } else {
    const std::string_view tag = rec.account->id;
    buckets[n++] = BucketRequest{rec.bucket(), rec.account->per_key_limit(), 1, tag};
    if (verdict.valid() && rule != nullptr && rule->rate_limit) {
      const size_t index = static_cast<size_t>(rule - settings_.routes.rules().data());
      buckets[n++] =
          BucketRequest{composed.MakeRoute(index, rec.bucket()), *rule->rate_limit, 1, tag};
    }
    if (verdict.valid()) {
      if (std::optional<RateSpec> shared = rec.account->account_limit()) {
        account_bucket = n;
        buckets[n++] = BucketRequest{account_name.Make("a:", rec.account->id), *shared, 1, tag};
      }
    }
  }
  // Credits last: only a request that passed everything else is charged, and test mode (the
  // sandbox included) never is. A valid request takes its limits and then its credits (or reads
  // the balance) in one call: with Redis, one round trip.
  const int64_t cost = rule != nullptr ? rule->cost : settings_.default_cost;
  const bool charged = cost > 0 && rec.livemode;
  // The proxy checks the balance now and charges once the upstream is in hand (ChargeDeferred).
  const bool deferred = charged && consume == Consume::kDeferCharge;
  CreditCharge charge;
  LimitOutcome outcome =
      verdict.valid() ? limits_.TakeAndCharge(std::span(buckets.data(), n), now_ns, rec.account->id,
                                              charged && !deferred ? cost : 0, &charge)
                      : limits_.Take(std::span(buckets.data(), n), now_ns);
  if (outcome.unavailable) return Degraded(std::move(verdict), management, held);
  const BucketState& b = outcome.buckets[outcome.tightest];
  verdict.ratelimit = RateLimitReport{b.limit,
                                      b.remaining,
                                      b.reset_unix,
                                      b.reset_after_s,
                                      b.retry_after_s,
                                      b.window_seconds,
                                      outcome.tightest == 0                ? "per-key"
                                      : outcome.tightest == account_bucket ? "per-account"
                                                                           : "per-route"};
  if (!verdict.valid()) return verdict;
  if (!outcome.allowed) {
    verdict.error = ErrorCode::kRateLimited;
    verdict.message = "Too many requests; retry after " + std::to_string(b.retry_after_s) + " s.";
    return verdict;
  }
  if (charge.unavailable) return Degraded(std::move(verdict), management, held);
  verdict.balance = charge.balance;
  if (deferred) {
    if (charge.balance && *charge.balance < cost) {
      DenyForQuota(verdict, cost);
      return verdict;
    }
    verdict.cost_due = cost;
  } else if (charged) {
    if (!charge.allowed) {
      DenyForQuota(verdict, cost);
      return verdict;
    }
    verdict.charged = cost;
  }
  if (rec.kind == CredentialKind::kApiKey && !rec.sandbox) {
    usage_.Note(rec, now_ns / 1'000'000'000);
  }
  return verdict;
}

}  // namespace keyward
