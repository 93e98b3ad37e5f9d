// Reading usage (GET /v1/usage, API.md 12) and keeping it within its retention. The counts are
// written by the UsageRecorder (usage_recorder.h) into minute, hour and day rows of each token,
// its account and the whole service ("*"); this reads one owner's rows at one granularity and
// fills the buckets that have none with zeros.
//
// Visibility: a key or a session sees its own account (its tokens, its account); an admin key sees
// any account or token, and the whole service when it names none (neither `account` nor
// Keyward-Account). Another account's token or account is 404, as an unknown one is.
// Thread-safety: every call from any thread. Failure: the store's errors (kUnavailable), and
// kInvalidRequest / kNotFound for the query as documented on Read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "service/principal.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

struct UsageQuery {
  int64_t granularity = 3600;   // 60, 3600 or 86400
  std::optional<int64_t> from;  // Unix seconds; default to − 24 h
  std::optional<int64_t> to;    // Unix seconds; default now
  std::string token;            // tok_...; empty: none
  std::string account;          // acct_...; empty: none
};

struct UsageSeries {
  int64_t granularity = 3600;
  int64_t from = 0;  // rounded down to the granularity
  int64_t to = 0;    // rounded up to the granularity
  // One per bucket in [from, to), oldest first, zeros included (owner left empty).
  std::vector<UsageRow> data;
};

class UsageService {
 public:
  static constexpr int64_t kMaxBuckets = 1500;

  // All must outlive the service.
  UsageService(Store& store, const UsageSettings& settings, const Clock& clock);

  // The series `who` asked for. kInvalidRequest: `from` after `to`, a negative time, or more than
  // kMaxBuckets buckets (param "from"; "to" for a negative `to`); kNotFound: a token or account
  // the caller may not see (or that does not exist), or a token not on the named account.
  Result<UsageSeries> Read(const Principal& who, const UsageQuery& query);

  // Deletes rows older than their granularity's retention; returns how many. Idempotent (every
  // node may run it).
  Result<int64_t> PurgeExpired();

 private:
  // Whose rows the query reads: a token id, an account id or "*".
  Result<std::string> OwnerFor(const Principal& who, const UsageQuery& query);

  Store& store_;
  const UsageSettings& settings_;
  const Clock& clock_;
};

}  // namespace keyward
