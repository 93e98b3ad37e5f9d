#include "service/key_index.h"

namespace keyward {

KeyIndex::KeyIndex(int64_t negative_ttl_ns, size_t negative_capacity)
    : negative_ttl_ns_(negative_ttl_ns),
      negative_capacity_per_shard_(negative_capacity / kShards + 1) {}

KeyRecordPtr KeyIndex::Find(const Digest& digest) const {
  Shard& s = ShardFor(digest);
  ReaderLock lock(s.mu);
  auto it = s.records.find(digest);
  return it == s.records.end() ? nullptr : it->second;
}

void KeyIndex::Publish(const Digest& digest, KeyRecordPtr record) {
  Shard& s = ShardFor(digest);
  WriterLock lock(s.mu);
  s.missing_until.erase(digest);
  KeyRecordPtr& slot = s.records[digest];
  if (slot && slot->version != 0 && record->version != 0 && slot->version > record->version) {
    return;  // a later change is already here
  }
  slot = std::move(record);
}

bool KeyIndex::PublishMonotonic(const Digest& digest, KeyRecordPtr record) {
  Shard& s = ShardFor(digest);
  WriterLock lock(s.mu);
  auto it = s.records.find(digest);
  if (it == s.records.end()) {
    s.missing_until.erase(digest);
    s.records.emplace(digest, std::move(record));
    return true;
  }
  const KeyRecord& old = *it->second;
  if (record->version != 0 && (old.version != 0 || !old.revoked)) {
    // A versioned store row: newer than what is here (an unversioned record — a fresh local
    // create — is older than any store row of the key, unless it is a revocation).
    if (old.version != 0 && record->version <= old.version) return false;
    it->second = std::move(record);
    return true;
  }
  if (old.revoked) return false;
  const bool revokes = record->revoked;
  const bool earlier =
      record->expires_at && (!old.expires_at || *record->expires_at < *old.expires_at);
  if (!revokes && !earlier) return false;
  it->second = std::move(record);
  return true;
}

KeyRecordPtr KeyIndex::Fill(const Digest& digest, KeyRecordPtr record) {
  Shard& s = ShardFor(digest);
  WriterLock lock(s.mu);
  auto [it, inserted] = s.records.try_emplace(digest, std::move(record));
  if (inserted) s.missing_until.erase(digest);
  return it->second;
}

bool KeyIndex::KnownMissing(const Digest& digest, int64_t now_ns) const {
  Shard& s = ShardFor(digest);
  ReaderLock lock(s.mu);
  auto it = s.missing_until.find(digest);
  return it != s.missing_until.end() && it->second > now_ns;
}

void KeyIndex::RememberMissing(const Digest& digest, int64_t now_ns) {
  Shard& s = ShardFor(digest);
  WriterLock lock(s.mu);
  if (s.records.contains(digest)) return;
  if (s.missing_until.size() >= negative_capacity_per_shard_) {
    std::erase_if(s.missing_until, [now_ns](const auto& kv) { return kv.second <= now_ns; });
    if (s.missing_until.size() >= negative_capacity_per_shard_) s.missing_until.clear();
  }
  s.missing_until[digest] = now_ns + negative_ttl_ns_;
}

size_t KeyIndex::EraseIf(const std::function<bool(const KeyRecord&)>& drop) {
  size_t erased = 0;
  for (auto& s : shards_) {
    WriterLock lock(s.mu);
    erased += std::erase_if(s.records, [&](const auto& kv) { return drop(*kv.second); });
  }
  return erased;
}

size_t KeyIndex::size() const {
  size_t n = 0;
  for (auto& s : shards_) {
    ReaderLock lock(s.mu);
    n += s.records.size();
  }
  return n;
}

}  // namespace keyward
