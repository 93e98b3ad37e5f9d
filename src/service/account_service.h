// Accounts (API.md 7): created and managed by the operator with an admin key. Each write records
// its event (account.created, credits.topped_up: API.md 13) in its own transaction, naming `who`
// as the actor. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/metadata.h"
#include "core/status.h"
#include "limits/credit_meter.h"
#include "service/account_directory.h"
#include "service/change_feed.h"
#include "service/crossing_events.h"
#include "service/principal.h"
#include "service/settings.h"
#include "service/usage_recorder.h"
#include "store/store.h"

namespace keyward {

struct CreateAccountParams {
  std::string email;
  std::string name;
  std::optional<int64_t> credits;  // nullopt: unlimited
  std::string plan = "default";
  std::string password;  // empty: no dashboard sign-in yet
};

// POST /v1/accounts/:id (API.md 11.3, 11.5): a partial update; absent fields stay as they are.
struct UpdateAccountParams {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> plan;
  bool clear_metadata = false;  // "metadata": null — applied before `metadata`
  MetadataPatch metadata;
  bool set_rate_limit = false;  // "rate_limit" was given: a limit string, or null (the plan's)
  std::optional<std::string> rate_limit;
  bool set_account_rate_limit = false;
  std::optional<std::string> account_rate_limit;
};

inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxAccountNameLength = 100;
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 256;
inline constexpr int64_t kMaxCredits = 1'000'000'000'000'000;

class AccountService {
 public:
  // Balances shown are the meter's live figures (the store trails them by one usage flush).
  AccountService(Store& store, AccountDirectory& directory, CreditMeter& credits,
                 UsageRecorder& usage, const ServiceSettings& settings, const Clock& clock);

  // Errors: kInvalidRequest with param (email, name, credits, plan, password), store errors.
  Result<AccountRow> Create(const Principal& who, const CreateAccountParams& params);
  Result<AccountRow> Get(std::string_view id);  // kNotFound when absent
  Result<Page<AccountRow>> List(const ListOptions& options, const AccountFilter& filter = {});
  // The operator console's list (API.md 16): with key counts and last use, live balances.
  Result<Page<AccountSummary>> Summaries(const AccountSearch& search, const ListOptions& options);
  // Partial update (account_update.cc). kInvalidRequest with param for bad input (nothing
  // changed), kNotFound for no such account. The change applies on every node (the directory
  // here, the change feed for the others). Records account.updated (API.md 13) when something
  // changed.
  Result<AccountRow> Update(const Principal& who, std::string_view id,
                            const UpdateAccountParams& params);
  // Disable / enable (API.md 11.3): a disabled account's keys and access tokens are refused and
  // its dashboard sessions end (and stay ended). Doing either twice is no error (and records no
  // event); otherwise records account.disabled / account.enabled.
  Result<AccountRow> SetDisabled(const Principal& who, std::string_view id, bool disabled);
  // Adds `amount` (negative subtracts, never below zero). kInvalidRequest param "amount".
  Result<AccountRow> AddCredits(const Principal& who, std::string_view id, int64_t amount);

  // With several nodes: writes first ask `notifier` whether they may run (see TokenService).
  void set_notifier(ChangeNotifier* notifier) { notifier_ = notifier; }
  // Told every topped-up balance (re-arming credits.low / credits.exhausted). Set once.
  void set_crossings(CrossingEvents* crossings) { crossings_ = crossings; }

 private:
  AccountRow WithLiveCredits(AccountRow row);
  // Read, `change`, write unless the row moved meanwhile (retried), then apply and announce. The
  // write records event `event_type` by `who` in its transaction; a change that alters nothing
  // the API shows writes nothing and records nothing.
  Result<AccountRow> Change(const Principal& who, std::string_view id, std::string_view event_type,
                            const std::function<Status(AccountRow&)>& change);

  Store& store_;
  AccountDirectory& directory_;
  CreditMeter& credits_;
  UsageRecorder& usage_;
  const ServiceSettings& settings_;
  const Clock& clock_;
  ChangeNotifier* notifier_ = nullptr;
  CrossingEvents* crossings_ = nullptr;
};

// One '@' with something on both sides, no spaces or control characters, at most kMaxEmailLength.
bool LooksLikeEmail(std::string_view email);

// Argon2id, encoded ("$argon2id$v=19$m=19456,t=2,p=1$..."). Empty string on failure.
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded, std::string_view password);

}  // namespace keyward
