// Idempotency-Key (API.md 1.4): a POST carrying a key runs at most once per (scope, key) for 24 h.
// Begin() claims the key (or says why not: replay the stored response, still running → 409,
// different request → 422); Finish() stores the response of an executed request (2xx) or drops
// the claim when keyward refused it, so a corrected retry runs. Claims are durable in the Store,
// so a replay survives a restart and (later) works across nodes; a claim left running by a
// request that died is taken over after kStaleSeconds. Generic over what the request was, so the
// proxy reuses it for forwarded POSTs. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/sha256.h"
#include "core/status.h"
#include "store/store.h"

namespace keyward {

enum class IdempotencyOutcome { kProceed, kReplay, kInProgress, kMismatch };

struct IdempotencyStart {
  IdempotencyOutcome outcome = IdempotencyOutcome::kProceed;
  int status = 0;    // kReplay: the stored response
  std::string body;  // kReplay
};

class IdempotencyService {
 public:
  static constexpr int64_t kRetentionSeconds = 86400;
  static constexpr int64_t kStaleSeconds = 60;
  static constexpr size_t kMaxKeyLength = 255;

  IdempotencyService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // kInvalidRequest (param "Idempotency-Key") unless 1..255 printable ASCII characters.
  static Status ValidateKey(std::string_view key);
  // What makes two requests "the same": method, path (with query) and body.
  static Digest Fingerprint(std::string_view method, std::string_view target,
                            std::string_view body);

  Result<IdempotencyStart> Begin(std::string_view scope, std::string_view key,
                                 const Digest& fingerprint);
  // Stores `body` for replays when 200 <= status < 300; otherwise releases the claim.
  Status Finish(std::string_view scope, std::string_view key, int status, std::string_view body);
  // Stores `body` for replays whatever `status` is (the proxy stores an upstream's 4xx as well).
  Status Complete(std::string_view scope, std::string_view key, int status, std::string_view body);
  // Drops the claim so that a retry runs.
  Status Release(std::string_view scope, std::string_view key);
  // Deletes records older than the retention; returns how many.
  int64_t Purge();

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace keyward
