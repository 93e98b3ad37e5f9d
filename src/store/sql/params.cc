#include "store/sql/driver.h"

namespace keyward::sql {

Params& Params::Add(std::optional<int64_t> value) {
  return value ? Add(*value) : AddNull();
}

Params& Params::AddTextOrNull(std::string_view value) {
  return value.empty() ? AddNull() : Add(value);
}

}  // namespace keyward::sql
