// Credit refills (API.md 11.2, 11.5): periods on UTC boundaries — minute, hour, day, month (the
// 1st, 00:00 UTC) — and what a refill does to a balance. A period is named by its index (minutes,
// hours or days since 1970-01-01, or months since January 1970), which is what a store records as
// "the last period refilled" so that each period is refilled exactly once. An account created in
// the middle of a period waits for the next one. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace keyward {

enum class RefillInterval { kMinute, kHour, kDay, kMonth };
enum class RefillMode { kSet, kAdd };

std::optional<RefillInterval> ParseRefillInterval(std::string_view name);  // "minute", ...
std::string_view RefillIntervalName(RefillInterval interval);
std::optional<RefillMode> ParseRefillMode(std::string_view name);  // "set", "add"
std::string_view RefillModeName(RefillMode mode);

// The index of the period that contains `unix_seconds`.
int64_t PeriodIndex(RefillInterval interval, int64_t unix_seconds);
// The first second of period `index`.
int64_t PeriodStart(RefillInterval interval, int64_t index);

// The period to refill now, or nullopt when none is due: the current period, unless it was
// refilled already (`last_refilled` ≥ it) or the account was created inside it (it waits for the
// next boundary). A node that was down across several boundaries refills once, for the current
// period (a refill sets or tops up to the plan's figure; missed periods are not stacked).
std::optional<int64_t> RefillDue(RefillInterval interval, std::optional<int64_t> last_refilled,
                                 int64_t created_unix, int64_t now_unix);

// The balance after a refill of `amount`: `set` makes it `amount`, `add` adds it (saturating at
// INT64_MAX); an unlimited balance (nullopt) stays unlimited either way.
std::optional<int64_t> ApplyRefill(RefillMode mode, int64_t amount, std::optional<int64_t> balance);

}  // namespace keyward
