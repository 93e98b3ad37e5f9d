#include "http/request_auth.h"

#include <charconv>

#include "http/errors.h"

namespace keyward {
namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

}  // namespace

PresentedCredential ManagementCredential(const HttpRequest& req) {
  PresentedCredential cred =
      ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  if (cred.presence == CredentialPresence::kMissing) {
    if (auto admin = req.Header("keyward-admin-key")) {
      cred = PresentedCredential{CredentialPresence::kPresent, *admin};
    }
  }
  return cred;
}

HttpResponse RefusalFor(CredentialPresence presence, std::string_view request_id) {
  const bool missing = presence == CredentialPresence::kMissing;
  Error e(ErrorCode::kUnauthorized, missing ? "No API key was provided."
                                    : presence == CredentialPresence::kConflict
                                        ? "x-api-key and Authorization name different keys."
                                        : "The API key is malformed.");
  return ErrorResponse(e, request_id, /*credential_missing=*/missing);
}

void AddRetryAfter(HttpResponse& res, int64_t seconds) {
  std::string value;
  AppendInt(value, seconds);
  res.Add("Retry-After", value);
}

void AddRefusalHeaders(HttpResponse& res, const Verdict& verdict) {
  if (!verdict.ratelimit) return;
  if (verdict.error == ErrorCode::kRateLimited)
    AddRetryAfter(res, verdict.ratelimit->retry_after_s);
  AddRateLimitHeaders(res, *verdict.ratelimit);
}

// Written straight into the header block: this runs on every authenticated response.
void AddRateLimitHeaders(HttpResponse& res, const RateLimitReport& r) {
  std::string& h = res.headers;
  h.append("X-RateLimit-Limit: ");
  AppendInt(h, r.limit);
  h.append("\r\nX-RateLimit-Remaining: ");
  AppendInt(h, r.remaining);
  h.append("\r\nX-RateLimit-Reset: ");
  AppendInt(h, r.reset_unix);
  h.append("\r\nRateLimit-Policy: \"").append(r.policy).append("\";q=");
  AppendInt(h, r.limit);
  h.append(";w=");
  AppendInt(h, r.window_seconds);
  h.append("\r\nRateLimit: \"").append(r.policy).append("\";r=");
  AppendInt(h, r.remaining);
  h.append(";t=");
  AppendInt(h, r.reset_after_s);
  h.append("\r\n");
}

void AppendIdentityHeaders(std::string& h, const KeyRecord& rec, const KeyExtras* extras) {
  h.append("X-Keyward-Account: ").append(rec.account->id);
  h.append("\r\nX-Keyward-Token-Id: ").append(rec.token_id());
  h.append("\r\nX-Keyward-Permissions: ");
  if (rec.type == KeyType::kSecret) {  // a secret key, its access tokens, the sandbox
    h.append("*");
  } else {
    for (size_t i = 0; i < rec.permissions.size(); ++i) {
      if (i > 0) h.push_back(',');
      h.append(rec.permissions[i]);
    }
  }
  h.append("\r\nX-Keyward-Livemode: ").append(rec.livemode ? "true" : "false");
  h.append("\r\nX-Keyward-Sandbox: ").append(rec.sandbox ? "true" : "false");
  if (extras != nullptr && !extras->metadata_json.empty()) {
    h.append("\r\nX-Keyward-Metadata: ").append(extras->metadata_json);
  }
  h.append("\r\n");
}

HttpResponse JsonResponse(std::string body, int status) {
  HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

}  // namespace keyward
