#include "core/metadata.h"

#include <algorithm>
#include <cstdint>
#include <map>

namespace keyward {
namespace {

void AppendJsonHex4(std::string& out, uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 15];
}

// Decodes one UTF-8 code point at `s[i]`, advancing i; invalid bytes decode as U+FFFD.
uint32_t NextUtf8CodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i++]);
  if (b0 < 0x80) return b0;
  int extra = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
  } else {
    return 0xFFFD;
  }
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp > 0x10FFFF ? 0xFFFD : cp;
}

void AppendAsciiJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = NextUtf8CodePoint(s, i);
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp < 0x20 || cp == 0x7F) {
      AppendJsonHex4(out, cp);
    } else if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      AppendJsonHex4(out, cp);
    } else {
      const uint32_t v = cp - 0x10000;
      AppendJsonHex4(out, 0xD800 + (v >> 10));
      AppendJsonHex4(out, 0xDC00 + (v & 0x3FF));
    }
  }
  out += '"';
}

void AppendUtf8CodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A small reader for a flat JSON object of strings.
class FlatJsonReader {
 public:
  explicit FlatJsonReader(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == s_.size();
  }
  std::optional<uint32_t> Hex4() {
    if (i_ + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return v;
  }
  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      const char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto hi = Hex4();
          if (!hi) return std::nullopt;
          uint32_t cp = *hi;
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return std::nullopt;
            i_ += 2;
            auto lo = Hex4();
            if (!lo || *lo < 0xDC00 || *lo >= 0xE000) return std::nullopt;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
          }
          AppendUtf8CodePoint(out, cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

Result<Metadata> MergeMetadata(const Metadata& current, const MetadataPatch& patch,
                               std::string_view param) {
  std::map<std::string, std::string> merged(current.begin(), current.end());
  for (const auto& [key, value] : patch) {
    if (key.empty() || Utf8Length(key) > kMaxMetadataKeyLength) {
      return InvalidRequest("metadata keys must be 1 to 40 characters.", std::string(param));
    }
    if (!value || value->empty()) {
      merged.erase(key);
      continue;
    }
    if (Utf8Length(*value) > kMaxMetadataValueLength) {
      return InvalidRequest("metadata values must be at most 500 characters.", std::string(param));
    }
    merged[key] = *value;
  }
  if (merged.size() > kMaxMetadataKeys) {
    return InvalidRequest("metadata may hold at most 50 keys.", std::string(param));
  }
  return Metadata(merged.begin(), merged.end());
}

std::string MetadataToJson(const Metadata& metadata) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : metadata) {
    if (!first) out += ',';
    first = false;
    AppendAsciiJsonString(out, key);
    out += ':';
    AppendAsciiJsonString(out, value);
  }
  out += '}';
  return out;
}

std::optional<Metadata> MetadataFromJson(std::string_view json) {
  FlatJsonReader r(json);
  if (!r.Eat('{')) return std::nullopt;
  std::map<std::string, std::string> out;
  if (!r.Eat('}')) {
    do {
      auto key = r.String();
      if (!key || !r.Eat(':')) return std::nullopt;
      auto value = r.String();
      if (!value) return std::nullopt;
      out[std::move(*key)] = std::move(*value);
    } while (r.Eat(','));
    if (!r.Eat('}')) return std::nullopt;
  }
  if (!r.AtEnd()) return std::nullopt;
  return Metadata(out.begin(), out.end());
}

}  // namespace keyward
