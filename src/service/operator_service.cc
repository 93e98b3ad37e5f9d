#include "service/operator_service.h"

#include "core/ids.h"
#include "core/random.h"
#include "core/sha256.h"
#include "service/account_service.h"

namespace keyward {
namespace {

bool LooksLikeToken(std::string_view token) {
  if (token.size() != OperatorService::kTokenLength) return false;
  for (char c : token) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace

OperatorService::OperatorService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

std::string OperatorService::FoldEmail(std::string_view email) {
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string OperatorService::SetupLink(std::string_view public_url, std::string_view token) {
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
  std::string link(public_url);
  link.append("/dashboard/setup#token=").append(token);
  return link;
}

Result<OperatorInvite> OperatorService::Invite(std::string_view email) {
  if (!LooksLikeEmail(email)) return InvalidRequest("email must be an email address.", "email");
  OperatorInvite invite;
  invite.token = RandomBase62(kTokenLength);
  const Digest hash = Sha256(invite.token);
  const int64_t now = clock_.NowUnix();
  invite.expires_at = now + kSetupSeconds;
  const std::string folded = FoldEmail(email);

  auto existing = store_.FindOperatorByEmail(folded);
  if (!existing.ok()) return existing.error();
  if (*existing) {
    auto set = store_.SetOperatorSetup((*existing)->id, hash, invite.expires_at);
    if (!set.ok()) return set.error();
    invite.op = std::move(**existing);
  } else {
    invite.op.id = NewId(kOperatorIdPrefix);
    invite.op.email = folded;
    invite.op.created = now;
  }
  invite.op.setup_hash = hash;
  invite.op.setup_expires_at = invite.expires_at;
  if (!*existing) {
    if (Status st = store_.InsertOperator(invite.op); !st.ok()) return st.error();
  }
  return invite;
}

Result<OperatorRow> OperatorService::CompleteSetup(std::string_view token,
                                                   std::string_view password) {
  if (!LooksLikeToken(token)) return InvalidRequest("token is not a set-up token.", "token");
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return InvalidRequest("password must be 8 to 256 characters.", "password");
  }
  const std::string hash = HashPassword(password);
  if (hash.empty()) return Error(ErrorCode::kInternalError, "operators: password hashing failed");
  auto done = store_.CompleteOperatorSetup(Sha256(token), hash, clock_.NowUnix());
  if (!done.ok()) return done.error();
  if (!*done) return Error(ErrorCode::kUnauthorized, std::string(kSetupRefused));
  OperatorRow op = std::move(**done);
  op.password_hash.clear();  // nothing above the service needs it
  return op;
}

Result<std::optional<OperatorRow>> OperatorService::Get(std::string_view id) {
  auto found = store_.GetOperator(id);
  if (!found.ok()) return found.error();
  if (*found) (*found)->password_hash.clear();
  return found;
}

}  // namespace keyward
