// The configuration's schema (API.md 9): every key of the TOML file, its type, how a value is
// checked and stored into a Config, and how the stored value reads back (for the example-file
// test and for messages). Plans ([plans.NAME]) and routes ([[route]]) are tables, not keys: the
// loader reads them (app/config/load.cc) with ParseRate below.
// Thread-safety: the table is built once (function-local static) and immutable afterwards.
// Failure: a setter returns an error sentence without location ("must be between 0 and 256"),
// or "" when the value was stored; the Config is unchanged on error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/config.h"
#include "core/rate_spec.h"

namespace keyward::config {

// A value as written in the file or the environment, before it is checked.
using Value = std::variant<std::string, int64_t, bool, std::vector<std::string>>;
enum class Kind { kString, kInt, kBool, kStringList };

struct KeySpec {
  Kind kind;
  // Checks `value` and stores it; returns an error sentence or "".
  std::function<std::string(Config&, const Value&)> set;
  // The setting as it would be written in the file (an int key with a unit reads back in it).
  std::function<Value(const Config&)> get;
};

// Every key, by its dotted path ("server.threads").
const std::map<std::string, KeySpec>& Keys();

// "a string", "an integer", "a boolean", "an array of strings".
std::string KindName(Kind kind);

// Parses a rate ("150/min") into `out`; returns an error sentence or "".
std::string ParseRate(std::string_view text, RateSpec* out);

// The file's and the environment's forms of a value of `kind`; nullopt when the type is wrong.
// (TOML nodes are converted in load.cc, which alone includes toml++.)
std::optional<Value> FromEnv(std::string_view text, Kind kind);

}  // namespace keyward::config
