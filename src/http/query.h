// Query strings: "a=1&b=x%20y" → lookups by name, percent-decoded ('+' is a space).
// The list parameters of API.md 1 (limit 1..100 default 10, starting_after). Per request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace keyward {

class Query {
 public:
  explicit Query(std::string_view raw);
  std::optional<std::string> Get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

Result<ListOptions> ParseListOptions(const Query& q);

}  // namespace keyward
