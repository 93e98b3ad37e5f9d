// Small string helpers shared by the harness modules (not part of the tests' vocabulary).
// Pure functions; thread-safe.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace keyward_it {

// "what: <strerror(errno)>".
inline std::string ErrnoText(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// ASCII case-insensitive equality (header names).
inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace keyward_it
