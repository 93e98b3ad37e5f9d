// Key/value metadata on tokens and accounts (API.md 11.1, Stripe's limits): up to 50 string
// values, keys of 1..40 characters, values of up to 500 characters. A Metadata is kept sorted by
// key. Encoded for storage and for the X-Keyward-Metadata header as compact JSON with every
// non-ASCII character escaped as \uXXXX (so the text is pure ASCII and fit for a header).
// Pure values and functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace keyward {

using Metadata = std::vector<std::pair<std::string, std::string>>;  // sorted by key, unique keys

inline constexpr size_t kMaxMetadataKeys = 50;
inline constexpr size_t kMaxMetadataKeyLength = 40;     // characters (code points)
inline constexpr size_t kMaxMetadataValueLength = 500;  // characters (code points)

// One entry of a partial update: a value to set, or nullopt to remove the key ("" or null).
using MetadataPatch = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Applies `patch` to `current` (set or remove each key), then checks the limits on the result.
// kInvalidRequest with param `param` ("metadata") when a key is empty or too long, a value too
// long, or the result has more than 50 keys. An empty value in the patch removes the key.
Result<Metadata> MergeMetadata(const Metadata& current, const MetadataPatch& patch,
                               std::string_view param = "metadata");

// Compact JSON object, keys in order, non-ASCII as \uXXXX (surrogate pairs beyond the BMP).
std::string MetadataToJson(const Metadata& metadata);
// Reads what MetadataToJson wrote (any flat JSON object of strings); nullopt when malformed.
std::optional<Metadata> MetadataFromJson(std::string_view json);

// Number of code points in UTF-8 `text` (bytes that do not start a code point are not counted).
size_t Utf8Length(std::string_view text);

}  // namespace keyward
