#include "service/idempotency.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "service/idempotency_replay.h"

namespace keyward {

Status IdempotencyService::ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) {
    return InvalidRequest("Idempotency-Key must be 1 to 255 printable characters.",
                          "Idempotency-Key");
  }
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) {
      return InvalidRequest("Idempotency-Key must be 1 to 255 printable characters.",
                            "Idempotency-Key");
    }
  }
  return Status::Ok();
}

Digest IdempotencyService::Fingerprint(std::string_view method, std::string_view target,
                                       std::string_view body) {
  std::string material;
  material.reserve(method.size() + target.size() + body.size() + 2);
  material.append(method).append("\n").append(target).append("\n").append(body);
  return Sha256(material);
}

namespace {

// The event's data.object as JSON text, or empty when it has none.
std::string ObjectOf(const EventRow& event) {
  boost::system::error_code ec;
  boost::json::value data = boost::json::parse(event.data, ec);
  if (ec || !data.is_object()) return {};
  const boost::json::value* object = data.as_object().if_contains("object");
  if (object == nullptr || !object->is_object()) return {};
  return boost::json::serialize(*object);
}

}  // namespace

IdempotencyBinding IdempotencyReplayBinding(std::string_view scope, std::string_view key) {
  IdempotencyBinding binding;
  binding.scope = std::string(scope);
  binding.key = std::string(key);
  binding.replay_body = &ObjectOf;
  binding.replay_status = 200;
  return binding;
}

Result<IdempotencyStart> IdempotencyService::Begin(std::string_view scope, std::string_view key,
                                                   const Digest& fingerprint) {
  IdempotencyRecord claim;
  claim.scope = std::string(scope);
  claim.key = std::string(key);
  claim.fingerprint = fingerprint;
  claim.created = clock_.NowUnix();
  auto result = store_.ClaimIdempotencyKey(claim, claim.created - kStaleSeconds);
  if (!result.ok()) return result.error();
  if (result->claimed) return IdempotencyStart{};
  const IdempotencyRecord& existing = *result->existing;
  if (existing.fingerprint != fingerprint) {
    return IdempotencyStart{IdempotencyOutcome::kMismatch, 0, {}};
  }
  if (!existing.done) return IdempotencyStart{IdempotencyOutcome::kInProgress, 0, {}};
  return IdempotencyStart{IdempotencyOutcome::kReplay, existing.status, existing.body};
}

// A release never drops a record the request's own change marked done (see
// service/idempotency_replay.h): that outcome is kept for the retry.
Status IdempotencyService::Finish(std::string_view scope, std::string_view key, int status,
                                  std::string_view body) {
  if (status >= 200 && status < 300) return store_.CompleteIdempotencyKey(scope, key, status, body);
  return store_.ReleaseIdempotencyKey(scope, key);
}

Status IdempotencyService::Complete(std::string_view scope, std::string_view key, int status,
                                    std::string_view body) {
  return store_.CompleteIdempotencyKey(scope, key, status, body);
}

Status IdempotencyService::Release(std::string_view scope, std::string_view key) {
  return store_.ReleaseIdempotencyKey(scope, key);
}

int64_t IdempotencyService::Purge() {
  auto purged = store_.PurgeIdempotencyKeys(clock_.NowUnix() - kRetentionSeconds);
  if (!purged.ok()) {
    spdlog::warn("idempotency purge failed: {}", purged.error().message());
    return 0;
  }
  return *purged;
}

}  // namespace keyward
