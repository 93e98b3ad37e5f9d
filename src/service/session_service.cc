#include "service/session_service.h"

#include <array>

#include "core/random.h"
#include "core/sha256.h"
#include "service/event_builder.h"
#include "service/operator_service.h"

namespace keyward {
namespace {

constexpr std::string_view kCsrfLabel = "keyward-csrf-v1:";

// The actor of everything a sign-up or sign-in records (API.md 13).
Principal SessionActor(std::string_view client_ip, std::string_view request_id) {
  Principal who = Principal::Session({});
  who.actor.ip = std::string(client_ip);
  who.request_id = std::string(request_id);
  return who;
}

Error SignInFailed() {
  return Error(ErrorCode::kUnauthorized, std::string(SessionService::kSignInFailed));
}

// An Argon2id hash of a random password, computed once: verifying against it costs what verifying
// a real account's hash costs, so a missing account answers no faster.
const std::string& DummyHash() {
  static const std::string hash = HashPassword(RandomHex(16));
  return hash;
}

std::string FoldAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

SessionService::SessionService(Store& store, AccountService& accounts, Limiter& limiter,
                               const ServiceSettings& settings, const Clock& clock)
    : store_(store), accounts_(accounts), limiter_(limiter), settings_(settings), clock_(clock) {}

bool SessionService::LooksLikeSecret(std::string_view secret) {
  if (secret.size() != kSecretLength) return false;
  for (char c : secret) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

std::string SessionService::CsrfToken(std::string_view secret) {
  std::string input(kCsrfLabel);
  input.append(secret);
  return DigestHex(Sha256(input));
}

bool SessionService::CsrfMatches(std::string_view secret, std::string_view presented) {
  return ConstantTimeEquals(CsrfToken(secret), presented);
}

Status SessionService::Limit(std::string_view ip, std::optional<std::string_view> email,
                             int64_t* retry_after_s) {
  const std::string ip_bucket = "signin:ip:" + std::string(ip);
  std::string email_bucket;
  std::array<BucketRequest, 2> buckets;
  size_t n = 0;
  buckets[n++] = BucketRequest{ip_bucket, settings_.dashboard.signin_per_ip, 1};
  if (email) {
    email_bucket = "signin:email:" + FoldAscii(email->substr(0, kMaxEmailLength));
    buckets[n++] = BucketRequest{email_bucket, settings_.dashboard.signin_per_account, 1};
  }
  LimitOutcome outcome = limiter_.Take(std::span(buckets.data(), n), clock_.NowNanos());
  if (outcome.allowed) return Status::Ok();
  if (retry_after_s) *retry_after_s = outcome.buckets[outcome.tightest].retry_after_s;
  return Error(ErrorCode::kRateLimited, "Too many sign-in attempts. Try again later.");
}

Result<SignedIn> SessionService::Start(AccountRow account, const Principal& who, bool record) {
  SignedIn out;
  out.secret = RandomBase62(kSecretLength);
  out.csrf_token = CsrfToken(out.secret);
  SessionRow row;
  row.secret_hash = Sha256(out.secret);
  row.account_id = account.id;
  row.created = clock_.NowUnix();
  row.expires_at = row.created + settings_.dashboard.session_seconds;
  EventFor<SessionRow> event;
  if (record) {
    event = [&who](const SessionRow*, const SessionRow& s) {
      boost::json::object o;
      o["object"] = "session";
      o["account"] = s.account_id;
      o["created"] = s.created;
      o["expires_at"] = s.expires_at;
      return NewEvent("session.created", who, s.account_id, true, s.created, EventData(o, nullptr));
    };
  }
  if (Status st = store_.InsertSession(row, event); !st.ok()) return st.error();
  out.expires_at = row.expires_at;
  account.password_hash.clear();  // nothing above the service needs it
  out.account = std::move(account);
  return out;
}

Result<SignedIn> SessionService::StartOperator(OperatorRow op) {
  SignedIn out;
  out.secret = RandomBase62(kSecretLength);
  out.csrf_token = CsrfToken(out.secret);
  SessionRow row;
  row.secret_hash = Sha256(out.secret);
  row.operator_id = op.id;
  row.created = clock_.NowUnix();
  row.expires_at = row.created + settings_.dashboard.session_seconds;
  if (Status st = store_.InsertSession(row); !st.ok()) return st.error();
  out.expires_at = row.expires_at;
  op.password_hash.clear();
  op.setup_hash.reset();
  out.op = std::move(op);
  return out;
}

Result<SignedIn> SessionService::SignUp(std::string_view email, std::string_view password,
                                        std::string_view name, std::string_view client_ip,
                                        int64_t* retry_after_s, std::string_view request_id) {
  if (!settings_.dashboard.signup) {
    return Error(ErrorCode::kForbidden, "Sign-up is disabled on this server.");
  }
  if (password.empty()) return InvalidRequest("password must be 8 to 256 characters.", "password");
  if (Status st = Limit(client_ip, std::nullopt, retry_after_s); !st.ok()) return st.error();
  CreateAccountParams params;
  params.email = std::string(email);
  params.name = std::string(name);
  params.password = std::string(password);
  const Principal who = SessionActor(client_ip, request_id);
  auto account = accounts_.Create(who, params);
  if (!account.ok()) return account.error();
  return Start(std::move(*account), who, /*record=*/false);  // the sign-up's event is the account's
}

Result<SignedIn> SessionService::SignIn(std::string_view email, std::string_view password,
                                        std::string_view client_ip, int64_t* retry_after_s,
                                        std::string_view request_id) {
  if (Status st = Limit(client_ip, email, retry_after_s); !st.ok()) return st.error();
  std::optional<AccountRow> account;
  if (!email.empty() && email.size() <= kMaxEmailLength && password.size() <= kMaxPasswordLength) {
    // An operator's email and password start an operator's session (API.md 16). A wrong password
    // for an operator's email still tries the customer with that email, so both can exist.
    auto op = store_.FindOperatorByEmail(OperatorService::FoldEmail(email));
    if (!op.ok()) return op.error();
    if (*op && !(*op)->password_hash.empty() && VerifyPassword((*op)->password_hash, password)) {
      return StartOperator(std::move(**op));
    }
    auto found = store_.GetAccountByEmail(email);
    if (!found.ok()) return found.error();
    account = std::move(*found);
  }
  const bool has_hash = account && !account->password_hash.empty();
  const bool verified = VerifyPassword(has_hash ? account->password_hash : DummyHash(),
                                       password.substr(0, kMaxPasswordLength));
  const Principal who = SessionActor(client_ip, request_id);
  // A disabled account cannot sign in (API.md 11.3); same answer as any failed sign-in.
  if (!has_hash || !verified || account->disabled_at) {
    boost::json::object o;
    o["email"] = email.substr(0, kMaxEmailLength);
    const std::string account_id = account ? account->id : std::string();
    Status recorded = store_.AppendEvent(
        NewEvent("session.failed", who, account_id, true, clock_.NowUnix(), EventData(o, nullptr)));
    if (!recorded.ok()) return recorded.error();
    return SignInFailed();
  }
  return Start(std::move(*account), who, /*record=*/true);
}

Result<std::optional<SessionInfo>> SessionService::Find(std::string_view secret) {
  if (!LooksLikeSecret(secret)) return std::optional<SessionInfo>();
  auto row = store_.FindSession(Sha256(secret));
  if (!row.ok()) return row.error();
  if (!*row || (*row)->expires_at <= clock_.NowUnix()) return std::optional<SessionInfo>();
  return std::optional<SessionInfo>(
      SessionInfo{(*row)->account_id, (*row)->operator_id, (*row)->expires_at});
}

Status SessionService::SignOut(std::string_view secret) {
  if (!LooksLikeSecret(secret)) return Status::Ok();
  return store_.DeleteSession(Sha256(secret));
}

Result<int64_t> SessionService::PurgeExpired() {
  return store_.PurgeSessions(clock_.NowUnix());
}

}  // namespace keyward
