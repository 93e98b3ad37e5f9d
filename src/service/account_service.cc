#include "service/account_service.h"

#include <argon2.h>

#include "core/ids.h"
#include "core/random.h"
#include "service/event_builder.h"

namespace keyward {

bool LooksLikeEmail(std::string_view email) {
  if (email.size() < 3 || email.size() > kMaxEmailLength) return false;
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string HashPassword(std::string_view password) {
  constexpr uint32_t kTime = 2, kMemoryKiB = 19456, kLanes = 1, kSaltLen = 16, kHashLen = 32;
  std::array<uint8_t, kSaltLen> salt;
  FillRandom(salt);
  const size_t encoded_len =
      argon2_encodedlen(kTime, kMemoryKiB, kLanes, kSaltLen, kHashLen, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc =
      argon2id_hash_encoded(kTime, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return {};
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  std::string enc(encoded);
  return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

AccountService::AccountService(Store& store, AccountDirectory& directory, CreditMeter& credits,
                               UsageRecorder& usage, const ServiceSettings& settings,
                               const Clock& clock)
    : store_(store),
      directory_(directory),
      credits_(credits),
      usage_(usage),
      settings_(settings),
      clock_(clock) {}

AccountRow AccountService::WithLiveCredits(AccountRow row) {
  credits_.Load(row.id, row.credits);  // first sight: the stored balance is the live one
  if (auto live = credits_.Snapshot(row.id)) {
    row.credits = live->balance;
    row.credits_used += live->pending_used;
  }
  return row;
}

Result<AccountRow> AccountService::Create(const Principal& who, const CreateAccountParams& p) {
  if (!LooksLikeEmail(p.email)) return InvalidRequest("email must be an email address.", "email");
  if (p.name.size() > kMaxAccountNameLength) {
    return InvalidRequest("name must be at most 100 characters.", "name");
  }
  if (p.credits && (*p.credits < 0 || *p.credits > kMaxCredits)) {
    return InvalidRequest("credits must be a non-negative integer or null.", "credits");
  }
  if (!settings_.plans.contains(p.plan)) {
    return InvalidRequest("plan must name a plan of the configuration.", "plan");
  }
  AccountRow row;
  if (!p.password.empty()) {
    if (p.password.size() < kMinPasswordLength || p.password.size() > kMaxPasswordLength) {
      return InvalidRequest("password must be 8 to 256 characters.", "password");
    }
    row.password_hash = HashPassword(p.password);
    if (row.password_hash.empty()) return Error(ErrorCode::kInternalError);
  }
  row.id = NewId(kAccountIdPrefix);
  row.email = p.email;
  row.name = p.name;
  row.credits = p.credits;
  row.plan = p.plan;
  row.created = clock_.NowUnix();
  if (notifier_) {
    if (Status st = notifier_->CheckWritable(); !st.ok()) return st.error();
  }
  if (Status st = store_.CreateAccount(row, AccountEvent("account.created", who, clock_));
      !st.ok()) {
    return st.error();
  }
  directory_.Update(row);
  return row;
}

Result<AccountRow> AccountService::Get(std::string_view id) {
  if (!IsValidId(id, kAccountIdPrefix)) return Error(ErrorCode::kNotFound, "No such account.");
  auto held = usage_.HoldFlushes();
  auto row = store_.GetAccount(id);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return Error(ErrorCode::kNotFound, "No such account.");
  return WithLiveCredits(std::move(**row));
}

Result<Page<AccountRow>> AccountService::List(const ListOptions& options,
                                              const AccountFilter& filter) {
  auto held = usage_.HoldFlushes();
  auto page = store_.ListAccounts(options, filter);
  if (!page.ok()) return page;
  for (AccountRow& row : page->items) row = WithLiveCredits(std::move(row));
  return page;
}

Result<Page<AccountSummary>> AccountService::Summaries(const AccountSearch& search,
                                                       const ListOptions& options) {
  auto held = usage_.HoldFlushes();
  auto page = store_.ListAccountSummaries(search, options);
  if (!page.ok()) return page;
  for (AccountSummary& s : page->items) {
    s.account = WithLiveCredits(std::move(s.account));
    s.account.password_hash.clear();
  }
  return page;
}

Result<AccountRow> AccountService::AddCredits(const Principal& who, std::string_view id,
                                              int64_t amount) {
  if (amount < -kMaxCredits || amount > kMaxCredits) {
    return InvalidRequest("amount is out of range.", "amount");
  }
  if (!IsValidId(id, kAccountIdPrefix)) return Error(ErrorCode::kNotFound, "No such account.");
  // No usage flush may run between the store's change and the meter's: the meter derives the live
  // balance from the store's new one minus what it still has pending.
  if (notifier_) {
    if (Status st = notifier_->CheckWritable(); !st.ok()) return st.error();
  }
  auto paused = usage_.PauseFlushes();
  auto row = store_.AddCredits(id, amount, AccountEvent("credits.topped_up", who, clock_));
  if (!row.ok()) return row.error();
  if (!row->has_value()) return Error(ErrorCode::kNotFound, "No such account.");
  // The shared meter applies the delta (other nodes' charges are in flight); the local one
  // resets from the store's figure minus what it has pending.
  credits_.TopUp((*row)->id, amount, (*row)->credits);
  directory_.Update(**row);
  auto live = credits_.Snapshot((*row)->id);
  if (live) {
    (*row)->credits = live->balance;
    (*row)->credits_used += live->pending_used;
  }
  return std::move(**row);
}

}  // namespace keyward
