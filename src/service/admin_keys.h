// The operator's admin keys (ak_...): created by the CLI (or on the first start), presented on the
// account endpoints and, with Keyward-Account, on the token endpoints. Known keys are cached in
// memory; unknown ones consult the store once (so a key made by the CLI while the server runs
// works) and are remembered as missing briefly. Thread-safe.
#pragma once

#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/mutex.h"
#include "core/sha256.h"
#include "core/status.h"
#include "store/event.h"
#include "store/store.h"

namespace keyward {

class AdminKeys {
 public:
  AdminKeys(Store& store, const KeyFormat& format, const Clock& clock, size_t display_prefix);

  // Creates and stores a new admin key, recording admin_key.created by `actor` (the CLI); returns
  // the plaintext (shown once).
  Result<std::string> Create(std::string name, const EventActor& actor);
  // The same, only when the store has no admin key yet (nullopt otherwise): of several nodes
  // starting together on an empty store, exactly one makes the first key (and its event).
  Result<std::optional<std::string>> CreateFirst(std::string name, const EventActor& actor);
  // OK when `credential` is a live admin key; kUnauthorized otherwise, kUnavailable on store error.
  Status Authenticate(std::string_view credential);
  // The display prefix of an admin key, as events name it (never the key itself).
  std::string PrefixOf(std::string_view key) const { return DisplayPrefix(key, display_prefix_); }

 private:
  AdminKeyRow NewRow(const std::string& key, std::string name) const;

  Store& store_;
  const KeyFormat& format_;
  const Clock& clock_;
  size_t display_prefix_;
  SharedMutex mu_;
  std::unordered_map<Digest, bool, DigestHash> known_ GUARDED_BY(mu_);  // digest → live
  std::unordered_map<Digest, int64_t, DigestHash> missing_until_ GUARDED_BY(mu_);
};

}  // namespace keyward
