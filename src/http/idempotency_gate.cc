#include "http/idempotency_gate.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "http/errors.h"

namespace keyward {
namespace {

// A stored response never keeps a secret: keys, access tokens and webhook secrets are shown once,
// and a replay is the same object without them.
std::string WithoutSecrets(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return body;
  v.as_object().erase("key");
  v.as_object().erase("access_token");
  v.as_object().erase("secret");
  return boost::json::serialize(v);
}

IdempotencyGate::Entry Answer(HttpResponse res) {
  return IdempotencyGate::Entry{false, false, std::move(res)};
}

}  // namespace

std::optional<HttpResponse> IdempotencyGate::Validate(std::string_view key,
                                                      std::string_view request_id) {
  if (Status st = IdempotencyService::ValidateKey(key); !st.ok()) {
    return ErrorResponse(st.error(), request_id);
  }
  return std::nullopt;
}

IdempotencyGate::Entry IdempotencyGate::Enter(std::string_view scope, std::string_view key,
                                              const Digest& fingerprint,
                                              std::string_view request_id) const {
  auto start = service_.Begin(scope, key, fingerprint);
  if (!start.ok()) return Answer(ErrorResponse(start.error(), request_id));
  switch (start->outcome) {
    case IdempotencyOutcome::kMismatch:
      return Answer(ErrorResponse(Error(ErrorCode::kIdempotencyKeyReused,
                                        "This Idempotency-Key was used with a different request."),
                                  request_id));
    case IdempotencyOutcome::kInProgress:
      return Answer(ErrorResponse(Error(ErrorCode::kIdempotencyInProgress,
                                        "A request with this Idempotency-Key is still running."),
                                  request_id));
    case IdempotencyOutcome::kReplay: {
      Entry replay{false, true, {}};
      replay.response.status = start->status;
      replay.response.body = std::move(start->body);
      replay.response.Add("Idempotent-Replayed", "true");
      return replay;
    }
    case IdempotencyOutcome::kProceed:
      break;
  }
  return Entry{true, false, {}};
}

void IdempotencyGate::Leave(std::string_view scope, std::string_view key, const HttpResponse& res,
                            std::string_view request_id) const {
  const bool stored = res.status >= 200 && res.status < 300;
  if (Status st = service_.Finish(scope, key, res.status, stored ? WithoutSecrets(res.body) : "");
      !st.ok()) {
    spdlog::warn("request {}: could not record its Idempotency-Key: {}", request_id,
                 st.error().ForLog());
  }
}

void IdempotencyGate::LeaveForwarded(std::string_view scope, std::string_view key, int status,
                                     const std::optional<std::string>& stored,
                                     std::string_view request_id) const {
  Status st = stored && status < 500 ? service_.Complete(scope, key, status, *stored)
                                     : service_.Release(scope, key);
  if (!st.ok()) {
    spdlog::warn("request {}: could not record its Idempotency-Key: {}", request_id,
                 st.error().ForLog());
  }
}

void IdempotencyGate::Abandon(std::string_view scope, std::string_view key) const {
  (void)service_.Finish(scope, key, 500, {});
}

}  // namespace keyward
