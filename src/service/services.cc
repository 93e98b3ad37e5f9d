#include "service/services.h"

#include <spdlog/spdlog.h>

#include "limits/local_credit_meter.h"
#include "limits/local_limiter.h"

namespace keyward {

Services::Services(std::unique_ptr<Store> store, ServiceSettings settings, const Clock& clock)
    : settings_(std::move(settings)),
      clock_(clock),
      format_(settings_.prefixes),
      store_(std::move(store)),
      limiter_(std::make_unique<LocalLimiter>()),
      credits_(std::make_unique<LocalCreditMeter>()),
      index_(settings_.negative_cache_seconds * 1'000'000'000),
      directory_(*store_, *credits_, settings_),
      usage_(*store_, *credits_, std::chrono::milliseconds(settings_.usage_flush_interval_ms)),
      verifier_(*store_, index_, directory_, *limiter_, *credits_, usage_, settings_, format_,
                clock_),
      tokens_(*store_, index_, directory_, verifier_, settings_, format_, clock_),
      accounts_(*store_, directory_, *credits_, usage_, settings_, clock_),
      admin_keys_(*store_, format_, clock_, settings_.display_prefix_length) {}

Services::~Services() { Shutdown(); }

Status Services::LoadIndex() {
  size_t loaded = 0;
  Status failure;
  Status st = store_->ForEachUnrevokedToken([&](TokenRow&& row) {
    auto account = directory_.Get(row.account_id);
    if (!account.ok()) {
      failure = account.error();
      return;
    }
    if (!*account) return;  // orphaned row: never valid
    index_.Fill(row.key_hash, verifier_.MakeRecord(row, *account));
    ++loaded;
  });
  if (!st.ok()) return st;
  if (!failure.ok()) return failure;
  spdlog::info("index loaded: {} keys", loaded);
  ready_.store(true, std::memory_order_release);
  return Status::Ok();
}

void Services::Shutdown() { usage_.Stop(); }

}  // namespace keyward
