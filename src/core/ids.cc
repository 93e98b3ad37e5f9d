#include "core/ids.h"

#include "core/base62.h"
#include "core/random.h"

namespace keyward {

std::string NewId(std::string_view kind) {
  std::string id;
  id.reserve(kind.size() + 1 + kIdRandomChars);
  id.append(kind);
  id.push_back('_');
  id.append(RandomBase62(kIdRandomChars));
  return id;
}

bool IsValidId(std::string_view id, std::string_view kind) {
  if (id.size() != kind.size() + 1 + kIdRandomChars) return false;
  if (!id.starts_with(kind) || id[kind.size()] != '_') return false;
  return IsBase62(id.substr(kind.size() + 1));
}

}  // namespace keyward
