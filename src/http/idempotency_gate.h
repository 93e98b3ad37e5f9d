// The one Idempotency-Key gate (API.md 1.4) in front of a POST, for keyward's own routes and for
// requests forwarded in proxy mode: Enter() claims (scope, key) for a request's fingerprint, or
// answers in its place — the stored response again (replay, with Idempotent-Replayed: true), 422
// IDEMPOTENCY_KEY_REUSED for a different request, 409 while the first still runs, or the store's
// error. Leave() records what the executed request answered. Scopes come from the caller the
// checkpoint (or the proxy's admission) identified; the gate itself authenticates nothing.
// Thread-safe (the IdempotencyService is); failures to record are logged, never thrown.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/sha256.h"
#include "http/http_types.h"
#include "service/idempotency.h"

namespace keyward {

class IdempotencyGate {
 public:
  explicit IdempotencyGate(IdempotencyService& service) : service_(service) {}

  struct Entry {
    bool proceed = false;   // claimed: run the request, then Leave()
    bool replayed = false;  // !proceed: `response` is the stored one (status and body as stored)
    HttpResponse response;  // !proceed: what to answer instead of running the request
  };

  // kInvalidRequest (param "Idempotency-Key") as a 400 response unless `key` is valid; nullopt
  // when it is.
  static std::optional<HttpResponse> Validate(std::string_view key, std::string_view request_id);

  Entry Enter(std::string_view scope, std::string_view key, const Digest& fingerprint,
              std::string_view request_id) const;

  // After a claimed request ran: stores a 2xx response's body for replays — without the secrets
  // shown once ("key", "access_token") — and releases the claim for anything else, so that a
  // corrected retry runs (keyward's own routes).
  void Leave(std::string_view scope, std::string_view key, const HttpResponse& res,
             std::string_view request_id) const;
  // The claimed request failed without an answer (an exception): releases the claim.
  void Abandon(std::string_view scope, std::string_view key) const;
  // After a forwarded request (proxy mode): stores `stored` — the upstream's response in the
  // proxy's stored form, whatever its status below 500 — for replays, or releases the claim when
  // there is nothing to store (a 5xx, a response too large to keep, a broken exchange).
  void LeaveForwarded(std::string_view scope, std::string_view key, int status,
                      const std::optional<std::string>& stored, std::string_view request_id) const;

 private:
  IdempotencyService& service_;
};

}  // namespace keyward
