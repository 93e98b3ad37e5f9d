#include "service/verifier.h"

#include <array>

#include "core/permissions.h"
#include "core/sha256.h"

namespace keyward {
namespace {

constexpr std::string_view kMalformed = "The API key is malformed.";
constexpr std::string_view kUnknown = "The API key is not valid.";
constexpr std::string_view kRevoked = "The API key has been revoked.";
constexpr std::string_view kExpired = "The API key has expired.";
constexpr std::string_view kTokenExpired = "The access token has expired.";

Error Unauthorized(std::string_view message) {
  return Error(ErrorCode::kUnauthorized, std::string(message));
}

}  // namespace

Verifier::Verifier(Store& store, KeyIndex& index, AccountDirectory& accounts, Limiter& limiter,
                   CreditMeter& credits, UsageRecorder& usage, const ServiceSettings& settings,
                   const KeyFormat& format, const Clock& clock)
    : store_(store),
      index_(index),
      accounts_(accounts),
      limiter_(limiter),
      credits_(credits),
      usage_(usage),
      settings_(settings),
      format_(format),
      clock_(clock) {}

KeyRecordPtr Verifier::MakeRecord(const TokenRow& row,
                                  std::shared_ptr<const AccountInfo> account) const {
  auto r = std::make_shared<KeyRecord>();
  r->set_token_id(row.id);
  r->account = std::move(account);
  r->kind = CredentialKind::kApiKey;
  r->type = row.type;
  r->livemode = row.livemode;
  r->revoked = row.revoked_at.has_value();
  r->expires_at = row.expires_at;
  r->permissions = row.permissions;
  if (row.last_used_at) r->last_used_sec.store(*row.last_used_at, std::memory_order_relaxed);
  return r;
}

Result<KeyRecordPtr> Verifier::Identify(std::string_view credential) {
  std::optional<ParsedCredential> parsed = format_.Parse(credential);
  if (!parsed || parsed->kind == CredentialKind::kAdminKey) return Unauthorized(kMalformed);

  const Digest digest = Sha256(credential);
  KeyRecordPtr record = index_.Find(digest);
  if (!record) {
    const int64_t now_ns = clock_.NowNanos();
    if (index_.KnownMissing(digest, now_ns)) return Unauthorized(kUnknown);
    auto row = store_.FindTokenByHash(digest);
    if (!row.ok()) return Error(ErrorCode::kUnavailable, "The key store is unavailable.");
    if (!row->has_value()) {
      index_.RememberMissing(digest, now_ns);
      return Unauthorized(kUnknown);
    }
    auto account = accounts_.Get((*row)->account_id);
    if (!account.ok()) return Error(ErrorCode::kUnavailable, "The key store is unavailable.");
    if (!*account) return Unauthorized(kUnknown);
    record = index_.Fill(digest, MakeRecord(**row, *account));
  }

  switch (record->StatusAt(clock_.NowUnix())) {
    case TokenStatus::kActive:
      return record;
    case TokenStatus::kRevoked:
      return Unauthorized(kRevoked);
    case TokenStatus::kExpired:
      if (record->kind == CredentialKind::kAccessToken) {
        return Error(ErrorCode::kTokenExpired, std::string(kTokenExpired));
      }
      return Unauthorized(kExpired);
  }
  return Unauthorized(kUnknown);
}

Verdict Verifier::Verify(std::string_view credential, std::string_view method,
                         std::string_view path, Consume consume) {
  auto identified = Identify(credential);
  if (!identified.ok()) {
    return Verdict::Deny(identified.error().code(), identified.error().message());
  }
  Verdict verdict;
  verdict.record = std::move(identified.value());
  const KeyRecord& rec = *verdict.record;
  const RouteRule* rule = settings_.routes.Match(method, path);

  if (rec.type == KeyType::kPublishable && rec.kind == CredentialKind::kApiKey &&
      (rule == nullptr || !rule->publishable)) {
    verdict.error = ErrorCode::kForbidden;
    verdict.message = "Publishable keys may not call this route.";
  } else if (rec.type == KeyType::kRestricted && rule != nullptr &&
             !AnyGrants(rec.permissions, rule->permission)) {
    verdict.error = ErrorCode::kForbidden;
    verdict.message = "This key lacks the permission " + rule->permission + ".";
  }
  return Admit(std::move(verdict), rule, consume);
}

Verdict Verifier::AdmitManagement(const KeyRecordPtr& record) {
  Verdict verdict;
  verdict.record = record;
  return Admit(std::move(verdict), nullptr, Consume::kYes);
}

Verdict Verifier::Admit(Verdict verdict, const RouteRule* rule, Consume consume) {
  const KeyRecord& rec = *verdict.record;
  if (consume == Consume::kNo) {
    if (auto snapshot = credits_.Snapshot(rec.account->id)) verdict.balance = snapshot->balance;
    return verdict;
  }
  const int64_t now_ns = clock_.NowNanos();

  // Refused requests still count against the per-key limit (a denied caller must not be able to
  // probe for free), but only valid ones take from the route's own limit.
  // Bucket names: the per-key bucket is the token id itself (no copy); a route's bucket is
  // "r:<rule index>:<token id>", which can never collide with a "tok_" id.
  std::array<BucketRequest, 2> buckets;
  size_t n = 0;
  buckets[n++] = BucketRequest{rec.token_id(), rec.account->per_key_limit, 1};
  std::string route_bucket;
  if (verdict.valid() && rule != nullptr && rule->rate_limit) {
    const size_t index = static_cast<size_t>(rule - settings_.routes.rules().data());
    route_bucket = "r:" + std::to_string(index) + ":";
    route_bucket.append(rec.token_id());
    buckets[n++] = BucketRequest{route_bucket, *rule->rate_limit, 1};
  }
  LimitOutcome outcome = limiter_.Take(std::span(buckets.data(), n), now_ns);
  const BucketState& b = outcome.buckets[outcome.tightest];
  verdict.ratelimit = RateLimitReport{b.limit,         b.remaining,      b.reset_unix,
                                      b.reset_after_s, b.retry_after_s,  b.window_seconds,
                                      outcome.tightest == 0 ? "per-key" : "per-route"};
  if (!verdict.valid()) return verdict;
  if (!outcome.allowed) {
    verdict.error = ErrorCode::kRateLimited;
    verdict.message = "Too many requests; retry after " + std::to_string(b.retry_after_s) + " s.";
    return verdict;
  }
  // Credits last: only a request that passed everything else is charged, and test mode never is.
  const int64_t cost = rule != nullptr ? rule->cost : settings_.default_cost;
  if (cost > 0 && rec.livemode) {
    CreditCharge charge = credits_.Charge(rec.account->id, cost);
    verdict.balance = charge.balance;
    if (!charge.allowed) {
      verdict.error = ErrorCode::kQuotaExceeded;
      verdict.message = "The account's credit balance is below this request's cost of " +
                        std::to_string(cost) + ".";
      return verdict;
    }
    verdict.charged = cost;
  } else if (auto snapshot = credits_.Snapshot(rec.account->id)) {
    verdict.balance = snapshot->balance;
  }
  usage_.Note(rec, now_ns / 1'000'000'000);
  return verdict;
}

}  // namespace keyward
