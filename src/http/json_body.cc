#include "http/json_body.h"

namespace keyward {
namespace {

Error WrongType(std::string_view name, std::string_view what) {
  return InvalidRequest(std::string(name) + " must be " + std::string(what) + ".",
                        std::string(name));
}

// Every string field keyward reads is a one-line identifier, name or secret: control characters
// (U+0000..U+001F, U+007F) are refused for every store alike (PostgreSQL cannot hold a NUL).
bool HasControlCharacter(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

Error ControlCharacter(std::string_view name) {
  return InvalidRequest(std::string(name) + " must not contain control characters.",
                        std::string(name));
}

}  // namespace

Result<JsonBody> JsonBody::Parse(std::string_view text, bool empty_ok) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (empty_ok) return JsonBody(boost::json::object());
    return InvalidRequest("The request body must be a JSON object.");
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec) return InvalidRequest("The request body is not valid JSON.");
  if (!v.is_object()) return InvalidRequest("The request body must be a JSON object.");
  return JsonBody(std::move(v.as_object()));
}

Status JsonBody::OnlyFields(std::initializer_list<std::string_view> allowed) const {
  for (const auto& kv : obj_) {
    bool known = false;
    for (std::string_view a : allowed) known = known || kv.key() == a;
    if (!known) {
      return InvalidRequest("Unknown field: " + std::string(kv.key()) + ".", std::string(kv.key()));
    }
  }
  return Status::Ok();
}

Result<Field<std::string>> JsonBody::String(std::string_view name) const {
  Field<std::string> f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  if (it->value().is_null()) return f;
  if (!it->value().is_string()) return WrongType(name, "a string");
  if (HasControlCharacter(it->value().as_string())) return ControlCharacter(name);
  f.value = std::string(it->value().as_string());
  return f;
}

Result<Field<int64_t>> JsonBody::Int(std::string_view name) const {
  Field<int64_t> f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  const boost::json::value& v = it->value();
  if (v.is_null()) return f;
  if (v.is_int64()) {
    f.value = v.as_int64();
  } else if (v.is_uint64()) {
    return WrongType(name, "an integer in range");
  } else if (v.is_double()) {
    double d = v.as_double();
    // Range first: converting an out-of-range double (1e400 parses as inf) is undefined.
    if (!(d <= 9.2e18 && d >= -9.2e18) || d != static_cast<double>(static_cast<int64_t>(d))) {
      return WrongType(name, "an integer");
    }
    f.value = static_cast<int64_t>(d);
  } else {
    return WrongType(name, "an integer");
  }
  return f;
}

Result<Field<bool>> JsonBody::Bool(std::string_view name) const {
  Field<bool> f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  if (it->value().is_null()) return f;
  if (!it->value().is_bool()) return WrongType(name, "a boolean");
  f.value = it->value().as_bool();
  return f;
}

Result<Field<std::vector<std::string>>> JsonBody::StringArray(std::string_view name) const {
  Field<std::vector<std::string>> f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  if (it->value().is_null()) return f;
  if (!it->value().is_array()) return WrongType(name, "an array of strings");
  std::vector<std::string> out;
  for (const auto& e : it->value().as_array()) {
    if (!e.is_string()) return WrongType(name, "an array of strings");
    if (HasControlCharacter(e.as_string())) return ControlCharacter(name);
    out.emplace_back(e.as_string());
  }
  f.value = std::move(out);
  return f;
}

Result<MetadataField> JsonBody::Metadata(std::string_view name) const {
  MetadataField f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  if (it->value().is_null()) {
    f.clear = true;
    return f;
  }
  if (!it->value().is_object()) return WrongType(name, "an object of string values");
  for (const auto& [key, value] : it->value().as_object()) {
    if (HasControlCharacter(key)) return ControlCharacter(name);
    if (value.is_null()) {
      f.patch.emplace_back(std::string(key), std::nullopt);
      continue;
    }
    if (!value.is_string()) return WrongType(name, "an object of string values");
    if (HasControlCharacter(value.as_string())) return ControlCharacter(name);
    f.patch.emplace_back(std::string(key), std::string(value.as_string()));
  }
  return f;
}

Result<std::string> JsonBody::RequiredString(std::string_view name) const {
  auto f = String(name);
  if (!f.ok()) return f.error();
  if (!f->present) {
    return InvalidRequest("Missing required field: " + std::string(name) + ".", std::string(name));
  }
  if (!f->value) return WrongType(name, "a string");
  return std::move(*f->value);
}

Result<Field<JsonBody>> JsonBody::Object(std::string_view name) const {
  Field<JsonBody> f;
  auto it = obj_.find(name);
  if (it == obj_.end()) return f;
  f.present = true;
  const boost::json::value& v = it->value();
  if (v.is_null()) return f;
  if (!v.is_object()) return WrongType(name, "an object");
  f.value = JsonBody(v.as_object());
  return f;
}

Result<std::vector<JsonBody>> JsonBody::RequiredObjectArray(std::string_view name) const {
  const boost::json::value* v = obj_.if_contains(name);
  if (v == nullptr || !v->is_array()) {
    return InvalidRequest(std::string(name) + " must be an array of objects.", std::string(name));
  }
  std::vector<JsonBody> out;
  out.reserve(v->as_array().size());
  for (const boost::json::value& element : v->as_array()) {
    if (!element.is_object()) {
      std::string param = std::string(name) + "[" + std::to_string(out.size()) + "]";
      std::string message = param + " must be an object.";
      return InvalidRequest(std::move(message), std::move(param));
    }
    out.push_back(JsonBody(element.as_object()));
  }
  return out;
}

}  // namespace keyward
