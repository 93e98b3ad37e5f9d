#include "core/refill.h"

#include <limits>

namespace keyward {
namespace {

// Floor division (periods before 1970 are negative, not rounded towards zero).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days since 1970-01-01 → civil year and month (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t* year, int64_t* month) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = yoe + era * 400 + (m <= 2 ? 1 : 0);
  *month = m;
}

// Civil date → days since 1970-01-01 (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<RefillInterval> ParseRefillInterval(std::string_view name) {
  if (name == "minute") return RefillInterval::kMinute;
  if (name == "hour") return RefillInterval::kHour;
  if (name == "day") return RefillInterval::kDay;
  if (name == "month") return RefillInterval::kMonth;
  return std::nullopt;
}

std::string_view RefillIntervalName(RefillInterval interval) {
  switch (interval) {
    case RefillInterval::kMinute:
      return "minute";
    case RefillInterval::kHour:
      return "hour";
    case RefillInterval::kDay:
      return "day";
    case RefillInterval::kMonth:
      return "month";
  }
  return "month";
}

std::optional<RefillMode> ParseRefillMode(std::string_view name) {
  if (name == "set") return RefillMode::kSet;
  if (name == "add") return RefillMode::kAdd;
  return std::nullopt;
}

std::string_view RefillModeName(RefillMode mode) {
  return mode == RefillMode::kSet ? "set" : "add";
}

int64_t PeriodIndex(RefillInterval interval, int64_t unix_seconds) {
  switch (interval) {
    case RefillInterval::kMinute:
      return FloorDiv(unix_seconds, 60);
    case RefillInterval::kHour:
      return FloorDiv(unix_seconds, 3600);
    case RefillInterval::kDay:
      return FloorDiv(unix_seconds, 86400);
    case RefillInterval::kMonth: {
      int64_t year = 0, month = 0;
      CivilFromDays(FloorDiv(unix_seconds, 86400), &year, &month);
      return (year - 1970) * 12 + (month - 1);
    }
  }
  return 0;
}

int64_t PeriodStart(RefillInterval interval, int64_t index) {
  switch (interval) {
    case RefillInterval::kMinute:
      return index * 60;
    case RefillInterval::kHour:
      return index * 3600;
    case RefillInterval::kDay:
      return index * 86400;
    case RefillInterval::kMonth: {
      const int64_t year = 1970 + FloorDiv(index, 12);
      const int64_t month = index - FloorDiv(index, 12) * 12 + 1;
      return DaysFromCivil(year, month, 1) * 86400;
    }
  }
  return 0;
}

std::optional<int64_t> RefillDue(RefillInterval interval, std::optional<int64_t> last_refilled,
                                 int64_t created_unix, int64_t now_unix) {
  const int64_t current = PeriodIndex(interval, now_unix);
  if (PeriodIndex(interval, created_unix) >= current) return std::nullopt;  // created inside it
  if (last_refilled && *last_refilled >= current) return std::nullopt;      // done already
  return current;
}

std::optional<int64_t> ApplyRefill(RefillMode mode, int64_t amount,
                                   std::optional<int64_t> balance) {
  if (!balance) return std::nullopt;  // unlimited stays unlimited
  if (mode == RefillMode::kSet) return amount;
  if (amount > 0 && *balance > std::numeric_limits<int64_t>::max() - amount) {
    return std::numeric_limits<int64_t>::max();
  }
  return *balance + amount;
}

}  // namespace keyward
