// Beast's header fields seen as the handlers' HeaderSource (http_types.h): the one adapter used by
// the API server's connection loop and by the proxy's exchange. A view: it holds a reference to the
// fields, which must outlive it. Not thread-safe (per request), allocates nothing.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string_view>

#include "http/http_types.h"

namespace keyward {

class FieldsView final : public HeaderSource {
 public:
  explicit FieldsView(const boost::beast::http::fields& fields) : fields_(fields) {}

  // The first field called `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = fields_.find(name);
    if (it == fields_.end()) return std::nullopt;
    return it->value();
  }

 private:
  const boost::beast::http::fields& fields_;
};

}  // namespace keyward
