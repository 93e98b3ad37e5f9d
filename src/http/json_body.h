// Strict reading of JSON request bodies: malformed JSON, a non-object, an unknown field, a wrong
// type, a missing required field or a string with a control character (U+0000..U+001F, U+007F)
// each become 400 INVALID_REQUEST naming the field (`param`).
// Not thread-safe (per request).
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/metadata.h"
#include "core/status.h"

namespace keyward {

// A field that may be absent, null, or a value.
template <class T>
struct Field {
  bool present = false;    // the key appeared in the body
  std::optional<T> value;  // empty when absent or null
  bool is_null() const { return present && !value; }
};

// A "metadata" field (API.md 11.1): absent, null (clear every key), or an object whose values are
// strings (set; "" removes) or null (remove).
struct MetadataField {
  bool present = false;
  bool clear = false;  // "metadata": null
  MetadataPatch patch;
};

class JsonBody {
 public:
  // An empty body reads as {} when `empty_ok`.
  static Result<JsonBody> Parse(std::string_view text, bool empty_ok = true);

  // kInvalidRequest naming the first field not in `allowed`.
  Status OnlyFields(std::initializer_list<std::string_view> allowed) const;

  Result<Field<std::string>> String(std::string_view name) const;
  Result<Field<int64_t>> Int(std::string_view name) const;
  Result<Field<bool>> Bool(std::string_view name) const;
  Result<Field<std::vector<std::string>>> StringArray(std::string_view name) const;

  // Any other value (a number, an array, a nested object) → kInvalidRequest naming `name`.
  Result<MetadataField> Metadata(std::string_view name) const;

  // A required non-null string.
  Result<std::string> RequiredString(std::string_view name) const;

  // A nested object, read with the same strictness (absent or null: no value; any other
  // non-object → kInvalidRequest naming `name`). Its errors name its own fields.
  Result<Field<JsonBody>> Object(std::string_view name) const;
  // A required array of objects, each read as a JsonBody of its own. Absent, null or not an array
  // → kInvalidRequest naming `name`; an element that is not an object names `name[i]`.
  Result<std::vector<JsonBody>> RequiredObjectArray(std::string_view name) const;

 private:
  explicit JsonBody(boost::json::object obj) : obj_(std::move(obj)) {}
  boost::json::object obj_;
};

}  // namespace keyward
