#include "service/admin_keys.h"

#include "core/ids.h"
#include "service/event_builder.h"

namespace keyward {

AdminKeys::AdminKeys(Store& store, const KeyFormat& format, const Clock& clock,
                     size_t display_prefix)
    : store_(store), format_(format), clock_(clock), display_prefix_(display_prefix) {}

AdminKeyRow AdminKeys::NewRow(const std::string& key, std::string name) const {
  AdminKeyRow row;
  row.id = NewId(kAdminKeyIdPrefix);
  row.name = std::move(name);
  row.key_hash = Sha256(key);
  row.key_prefix = DisplayPrefix(key, display_prefix_);
  row.last4 = Last4(key);
  row.created = clock_.NowUnix();
  return row;
}

Result<std::string> AdminKeys::Create(std::string name, const EventActor& actor) {
  std::string key = format_.GenerateAdminKey();
  const AdminKeyRow row = NewRow(key, std::move(name));
  if (Status st = store_.InsertAdminKey(row, AdminKeyEvent(actor, clock_)); !st.ok()) {
    return st.error();
  }
  WriterLock lock(mu_);
  known_[row.key_hash] = true;
  return key;
}

Result<std::optional<std::string>> AdminKeys::CreateFirst(std::string name,
                                                          const EventActor& actor) {
  std::string key = format_.GenerateAdminKey();
  const AdminKeyRow row = NewRow(key, std::move(name));
  Result<bool> inserted = store_.InsertFirstAdminKey(row, AdminKeyEvent(actor, clock_));
  if (!inserted.ok()) return inserted.error();
  if (!*inserted) return std::optional<std::string>();
  WriterLock lock(mu_);
  known_[row.key_hash] = true;
  return std::optional<std::string>(std::move(key));
}

Status AdminKeys::Authenticate(std::string_view credential) {
  auto parsed = format_.Parse(credential);
  const Error denied(ErrorCode::kUnauthorized, "The admin key is not valid.");
  if (!parsed || parsed->kind != CredentialKind::kAdminKey) return denied;
  const Digest digest = Sha256(credential);
  const int64_t now_ns = clock_.NowNanos();
  {
    ReaderLock lock(mu_);
    if (auto it = known_.find(digest); it != known_.end()) {
      return it->second ? Status::Ok() : Status(denied);
    }
    if (auto it = missing_until_.find(digest); it != missing_until_.end() && it->second > now_ns) {
      return denied;
    }
  }
  auto row = store_.FindAdminKeyByHash(digest);
  if (!row.ok()) return Error(ErrorCode::kUnavailable, "The key store is unavailable.");
  WriterLock lock(mu_);
  if (!row->has_value()) {
    if (missing_until_.size() > 10'000) missing_until_.clear();
    missing_until_[digest] = now_ns + 2'000'000'000;
    return denied;
  }
  const bool live = !(*row)->revoked_at.has_value();
  known_[digest] = live;
  return live ? Status::Ok() : Status(denied);
}

}  // namespace keyward
