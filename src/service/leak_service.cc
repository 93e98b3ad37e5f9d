#include "service/leak_service.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "core/sha256.h"
#include "service/event_builder.h"
#include "service/objects.h"

namespace keyward {
namespace {

Error BadSignature() {
  return Error(ErrorCode::kUnauthorized, "The report's signature is missing or not valid.");
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() > 4096) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;  // padding
  out.resize(len);
  return out;
}

}  // namespace

LeakService::LeakService(Store& store, TokenService& tokens, const LeakSettings& settings,
                         const KeyFormat& format, const Clock& clock)
    : store_(store), tokens_(tokens), settings_(settings), format_(format), clock_(clock) {}

Status LeakService::VerifyGithubSignature(std::string_view key_id, std::string_view signature_b64,
                                          std::string_view body) const {
  const LeakSettings::PublicKey* key = nullptr;
  for (const auto& k : settings_.github_public_keys) {
    if (!key_id.empty() && k.id == key_id) key = &k;
  }
  if (!key) return BadSignature();
  auto signature = DecodeBase64(signature_b64);
  if (!signature) return BadSignature();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key->pem.data(), static_cast<int>(key->pem.size())), &BIO_free);
  if (!bio) return BadSignature();
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!pkey) {
    spdlog::warn("leaks: the public key {} of leaks.github_public_keys is not a PEM public key",
                 key->id);
    return BadSignature();
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1) {
    return BadSignature();
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
      reinterpret_cast<const unsigned char*>(body.data()), body.size());
  return ok == 1 ? Status::Ok() : Status(BadSignature());
}

Result<bool> LeakService::ActOn(const Principal& who, std::string_view reported_by,
                                const LeakReport& report) {
  const Digest hash = Sha256(report.token);
  auto token = store_.FindTokenByHash(hash);
  if (!token.ok()) return token.error();
  if (!*token) {
    auto parsed = format_.Parse(report.token);
    if (parsed && parsed->kind == CredentialKind::kAccessToken) {
      auto access = store_.FindAccessTokenByHash(hash);
      if (!access.ok()) return access.error();
      return access->has_value();
    }
    if (parsed && parsed->kind == CredentialKind::kAdminKey) {
      auto admin = store_.FindAdminKeyByHash(hash);
      if (!admin.ok()) return admin.error();
      if (*admin) {
        spdlog::warn("leaks: admin key {} was reported leaked at {}; rotate it",
                     (*admin)->key_prefix, report.url.substr(0, 200));
      }
      return admin->has_value();
    }
    return false;
  }
  const TokenRow& row = **token;
  const int64_t now = clock_.NowUnix();
  if (row.StatusAt(now) != TokenStatus::kActive) return true;  // issued by us, not live
  boost::json::object leak;
  leak["url"] = report.url;
  leak["source"] = report.source;
  leak["reported_by"] = reported_by;
  EventFor<TokenRow> event = [&who, &leak, this](const TokenRow*, const TokenRow& after) {
    const int64_t at = clock_.NowUnix();
    boost::json::object extra;
    extra["leak"] = leak;
    return NewEvent("token.leaked", who, after.account_id, after.livemode, at,
                    EventData(TokenObject(after, at), nullptr, extra));
  };
  if (settings_.revoke) {
    auto revoked = tokens_.RevokeRecording(row.account_id, row.id, event);
    if (!revoked.ok() && revoked.error().code() != ErrorCode::kNotFound) return revoked.error();
  } else if (Status st = store_.AppendEvent(event(nullptr, row)); !st.ok()) {
    return st.error();
  }
  return true;
}

Result<std::vector<LeakVerdict>> LeakService::Report(const Principal& who, bool from_github,
                                                     const std::vector<LeakReport>& reports) {
  std::vector<LeakVerdict> out;
  out.reserve(reports.size());
  for (const LeakReport& report : reports) {
    auto known = ActOn(who, from_github ? "github" : "admin", report);
    if (!known.ok()) return known.error();
    out.push_back(
        LeakVerdict{report.token, report.type, *known ? "true_positive" : "false_positive"});
  }
  return out;
}

}  // namespace keyward
