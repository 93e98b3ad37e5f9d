// See redis_credit_meter.h.
#include "limits/redis_credit_meter.h"

#include <algorithm>
#include <string>

#include "core/random.h"

namespace keyward {
namespace {

std::string BalanceArg(std::optional<int64_t> balance) {
  return balance ? std::to_string(std::max<int64_t>(0, *balance)) : std::string("u");
}

// KEYS[1]: account. ARGV[1]: balance or "u". Seeds when absent. Returns {unlimited, b, p}.
const RedisScript& LoadScript() {
  static const RedisScript s(R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] == 'u' then
    redis.call('HSET', KEYS[1], 'u', 1, 'b', 0, 'p', 0)
  else
    redis.call('HSET', KEYS[1], 'u', 0, 'b', ARGV[1], 'p', 0)
  end
end
local v = redis.call('HMGET', KEYS[1], 'u', 'b', 'p')
return {tonumber(v[1] or 0), tonumber(v[2] or 0), tonumber(v[3] or 0)}
)lua");
  return s;
}

// KEYS[1]: account, KEYS[2]: dirty set. ARGV[1]: cost, ARGV[2]: account id.
// Returns {-1} when the account is not held, else {allowed, unlimited, balance}.
const RedisScript& ChargeScript() {
  static const RedisScript s(R"lua(
local v = redis.call('HMGET', KEYS[1], 'u', 'b')
if not v[1] then return {-1, 0, 0} end
local cost = tonumber(ARGV[1])
if tonumber(v[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'p', ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
  return {1, 1, 0}
end
local b = tonumber(v[2] or 0)
if b < cost then return {0, 0, b} end
redis.call('HINCRBY', KEYS[1], 'b', '-' .. ARGV[1])
redis.call('HINCRBY', KEYS[1], 'p', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return {1, 0, b - cost}
)lua");
  return s;
}

// KEYS[1]: dirty set. ARGV[1]: key prefix of accounts, ARGV[2]: at most this many accounts,
// ARGV[3]: what follows the id in the key ("}" with a cluster's tags, else "").
// Returns {id1, used1, id2, used2, ...}, each p swapped to zero.
const RedisScript& TakeScript() {
  static const RedisScript s(R"lua(
local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local k = ARGV[1] .. id .. ARGV[3]
  local p = tonumber(redis.call('HGET', k, 'p') or 0)
  if p > 0 then
    redis.call('HSET', k, 'p', 0)
    out[#out + 1] = id
    out[#out + 1] = p
  end
end
return out
)lua");
  return s;
}

// KEYS[1]: account, KEYS[2]: dirty set. ARGV[1]: used, ARGV[2]: account id.
const RedisScript& ReturnScript() {
  static const RedisScript s(R"lua(
redis.call('HINCRBY', KEYS[1], 'p', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
)lua");
  return s;
}

// KEYS[1]: account, KEYS[2]: top-up marker. ARGV[1]: amount, ARGV[2]: store's balance after
// ("u" = unlimited). Applies once per marker. Returns 1 applied, 0 already applied.
const RedisScript& TopUpScript() {
  static const RedisScript s(R"lua(
if not redis.call('SET', KEYS[2], 1, 'NX', 'EX', 86400) then return 0 end
local amount = tonumber(ARGV[1])
if ARGV[2] == 'u' then
  redis.call('HSET', KEYS[1], 'u', 1)
  if redis.call('HEXISTS', KEYS[1], 'b') == 0 then redis.call('HSET', KEYS[1], 'b', 0, 'p', 0) end
  return 1
end
local stored = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'u', 'b', 'p')
if not v[1] then
  redis.call('HSET', KEYS[1], 'u', 0, 'b', stored, 'p', 0)
  return 1
end
local p = tonumber(v[3] or 0)
if tonumber(v[1]) == 1 then
  local b = stored - p
  if b < 0 then b = 0 end
  redis.call('HSET', KEYS[1], 'u', 0, 'b', string.format('%d', b))
  return 1
end
local b = tonumber(v[2] or 0) + amount
if b < 0 then b = 0 end
redis.call('HSET', KEYS[1], 'b', string.format('%d', b))
return 1
)lua");
  return s;
}

// KEYS[1]: account. ARGV[1]: store's balance or "u". b = stored - p (the store has not seen p).
const RedisScript& ResetScript() {
  static const RedisScript s(R"lua(
local p = tonumber(redis.call('HGET', KEYS[1], 'p') or 0)
if ARGV[1] == 'u' then
  redis.call('HSET', KEYS[1], 'u', 1, 'b', 0, 'p', string.format('%d', p))
else
  local b = tonumber(ARGV[1]) - p
  if b < 0 then b = 0 end
  redis.call('HSET', KEYS[1], 'u', 0, 'b', string.format('%d', b), 'p', string.format('%d', p))
end
return 1
)lua");
  return s;
}

std::optional<int64_t> BalanceOf(const RedisReply& unlimited, const RedisReply& balance) {
  if (unlimited.integer == 1) return std::nullopt;
  return balance.integer;
}

}  // namespace

RedisCreditMeter::RedisCreditMeter(RedisPool& pool, BalanceLoader loader, std::string key_prefix)
    : pool_(pool),
      loader_(std::move(loader)),
      prefix_(std::move(key_prefix)),
      account_prefix_(prefix_ + "cr:"),
      dirty_key_(prefix_ + "cr:dirty"),
      cluster_(pool.cluster() != nullptr) {}

std::string RedisCreditMeter::Key(std::string_view account_id) const {
  std::string k = prefix_;
  if (cluster_) {
    k.append("cr:{").append(account_id).append("}");
  } else {
    k.append("cr:").append(account_id);
  }
  return k;
}

RedisArg RedisCreditMeter::AccountKey(std::string_view account_id) const {
  return cluster_ ? RedisArg::Tagged(account_prefix_, account_id, {})
                  : RedisArg(account_prefix_, account_id);
}

RedisArg RedisCreditMeter::DirtyKey(std::string_view account_id) const {
  if (!cluster_) return RedisArg(dirty_key_);
  const auto slot = static_cast<uint16_t>(RedisCrc16(account_id) % kRedisClusterSlots);
  return RedisArg::Tagged(dirty_key_, RedisSlotTag(slot), {});
}

void RedisCreditMeter::NoteCharged(std::string_view account_id) {
  if (!cluster_) return;
  const uint16_t slot = static_cast<uint16_t>(RedisCrc16(account_id) % kRedisClusterSlots);
  std::atomic<uint64_t>& word = dirty_slots_[slot / 64];
  const uint64_t bit = uint64_t{1} << (slot % 64);
  if ((word.load(std::memory_order_relaxed) & bit) == 0) {
    word.fetch_or(bit, std::memory_order_relaxed);
  }
}

std::optional<int64_t> RedisCreditMeter::Load(std::string_view account_id,
                                              std::optional<int64_t> stored_balance) {
  const std::string key = Key(account_id);
  const std::string arg = BalanceArg(stored_balance);
  RedisArg keys[] = {key};
  RedisArg args[] = {arg};
  Result<RedisReply> r = pool_.Eval(LoadScript(), keys, args);
  if (!r.ok() || r->elements.size() != 3) return stored_balance;  // Redis down: the store's
  return BalanceOf(r->elements[0], r->elements[1]);
}

void RedisCreditMeter::Reset(std::string_view account_id, std::optional<int64_t> stored_after) {
  const std::string key = Key(account_id);
  const std::string arg = BalanceArg(stored_after);
  RedisArg keys[] = {key};
  RedisArg args[] = {arg};
  (void)pool_.Eval(ResetScript(), keys, args);
}

bool RedisCreditMeter::ApplyTopUp(const TopUpOp& op) {
  const std::string key = Key(op.account_id);
  const std::string marker =
      cluster_ ? prefix_ + "tu:{" + op.account_id + "}" + op.id : prefix_ + "tu:" + op.id;
  const std::string amount = std::to_string(op.amount);
  const std::string after = BalanceArg(op.stored_after);
  RedisArg keys[] = {key, marker};
  RedisArg args[] = {amount, after};
  return pool_.Eval(TopUpScript(), keys, args).ok();
}

void RedisCreditMeter::TopUp(std::string_view account_id, int64_t amount,
                             std::optional<int64_t> stored_after) {
  TopUpOp op{std::string(account_id), amount, stored_after, RandomHex(16)};
  if (ApplyTopUp(op)) return;
  MutexLock lock(topups_mu_);
  topups_.push_back(std::move(op));  // applied when Redis answers again (RetryTopUps)
}

void RedisCreditMeter::RetryTopUps() {
  std::vector<TopUpOp> ops;
  {
    MutexLock lock(topups_mu_);
    ops.swap(topups_);
  }
  std::vector<TopUpOp> failed;
  for (TopUpOp& op : ops) {
    if (!ApplyTopUp(op)) failed.push_back(std::move(op));
  }
  if (failed.empty()) return;
  MutexLock lock(topups_mu_);
  for (TopUpOp& op : failed) topups_.push_back(std::move(op));
}

size_t RedisCreditMeter::PendingTopUps() {
  MutexLock lock(topups_mu_);
  return topups_.size();
}

CreditCharge RedisCreditMeter::Charge(std::string_view account_id, int64_t cost) {
  const std::string key = Key(account_id);
  const std::string cost_text = std::to_string(cost);
  RedisArg keys[] = {key, DirtyKey(account_id)};
  RedisArg args[] = {cost_text, account_id};
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<RedisReply> r = pool_.Eval(ChargeScript(), keys, args);
    if (!r.ok() || r->elements.size() != 3) {
      CreditCharge c;
      c.unavailable = true;
      return c;
    }
    const auto& e = r->elements;
    if (e[0].integer >= 0) {
      if (e[0].integer == 1) NoteCharged(account_id);
      return CreditCharge{e[0].integer == 1, BalanceOf(e[1], e[2])};
    }
    // Not held (Redis lost it, or first use on this Redis): seed from the store, then retry.
    if (attempt > 0 || !loader_) break;
    Result<std::optional<StoredBalance>> stored = loader_(account_id);
    if (!stored.ok()) {
      CreditCharge c;
      c.unavailable = true;
      return c;
    }
    if (!stored->has_value()) break;
    Load(account_id, (*stored)->balance);
  }
  return CreditCharge{false, 0};
}

std::optional<CreditSnapshot> RedisCreditMeter::Snapshot(std::string_view account_id) {
  const std::string key = Key(account_id);
  Result<RedisReply> r = pool_.Command({"HMGET", key, "u", "b", "p"});
  if (!r.ok() || r->elements.size() != 3 || r->elements[0].type == RedisReply::Type::kNil) {
    return std::nullopt;
  }
  auto num = [](const RedisReply& v) -> int64_t {
    if (v.type == RedisReply::Type::kInteger) return v.integer;
    return v.str.empty() ? 0 : std::stoll(v.str);
  };
  CreditSnapshot s;
  if (num(r->elements[0]) != 1) s.balance = num(r->elements[1]);
  s.pending_used = num(r->elements[2]);
  return s;
}

bool RedisCreditMeter::TakeFrom(const RedisArg& dirty, std::vector<CreditUsage>& out) {
  constexpr std::string_view kBatch = "1000";
  const std::string_view suffix = cluster_ ? "}" : "";
  const std::string account_prefix = cluster_ ? account_prefix_ + "{" : account_prefix_;
  for (int round = 0; round < 10; ++round) {
    RedisArg keys[] = {dirty};
    RedisArg args[] = {account_prefix, kBatch, suffix};
    Result<RedisReply> r = pool_.Eval(TakeScript(), keys, args);
    if (!r.ok()) return false;
    const auto& e = r->elements;
    for (size_t i = 0; i + 1 < e.size(); i += 2) {
      out.push_back(CreditUsage{e[i].str, e[i + 1].integer});
    }
    if (e.size() < 2 * 1000) break;
  }
  return true;
}

std::vector<CreditUsage> RedisCreditMeter::TakeUsage() {
  RetryTopUps();
  std::vector<CreditUsage> out;
  {
    MutexLock lock(topups_mu_);
    out.swap(held_);
  }
  if (!cluster_) {
    (void)TakeFrom(RedisArg(dirty_key_), out);
    return out;
  }
  for (const uint16_t slot : DirtySlots()) {
    if (!TakeFrom(RedisArg::Tagged(dirty_key_, RedisSlotTag(slot), {}), out)) {
      dirty_slots_[slot / 64].fetch_or(uint64_t{1} << (slot % 64), std::memory_order_relaxed);
    }
  }
  return out;
}

std::vector<uint16_t> RedisCreditMeter::DirtySlots() {
  std::vector<uint16_t> slots;
  for (size_t w = 0; w < dirty_slots_.size(); ++w) {
    uint64_t bits = dirty_slots_[w].exchange(0, std::memory_order_relaxed);
    while (bits != 0) {
      const int b = __builtin_ctzll(bits);
      slots.push_back(static_cast<uint16_t>(w * 64 + static_cast<size_t>(b)));
      bits &= bits - 1;
    }
  }
  if (takes_.fetch_add(1, std::memory_order_relaxed) % 60 != 0) return slots;
  // Every dirty set on every primary: SCAN each for cr:dirty{*} (the prefix's glob characters
  // escaped).
  RedisCluster& cluster = *pool_.cluster();
  if (cluster.Primaries().empty()) (void)cluster.Refresh();
  std::string pattern;
  for (const char ch : dirty_key_) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') pattern.push_back('\\');
    pattern.push_back(ch);
  }
  pattern.append("{*");
  for (const uint16_t primary_slot : cluster.SlotPerPrimary()) {
    std::string cursor = "0";
    for (int page = 0; page < 1000; ++page) {
      std::vector<std::string> found;
      auto call = [&](RedisConnection& c, RedisDeadline deadline) -> Status {
        RedisArg scan[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
        Result<RedisReply> r = c.Call(scan, deadline);
        if (!r.ok()) return r.error();
        if (r->elements.size() != 2) return Error(ErrorCode::kInternalError, "bad SCAN reply");
        cursor = r->elements[0].str;
        for (RedisReply& k : r->elements[1].elements) found.push_back(std::move(k.str));
        return Status::Ok();
      };
      if (!cluster.Run(primary_slot, RedisCall::Of(call)).ok()) break;
      for (const std::string& k : found) slots.push_back(RedisKeySlot(k));
      if (cursor == "0") break;
    }
  }
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

void RedisCreditMeter::ReturnUsage(const std::vector<CreditUsage>& usage) {
  for (const CreditUsage& u : usage) {
    const std::string key = Key(u.account_id);
    const std::string used = std::to_string(u.used);
    RedisArg keys[] = {key, DirtyKey(u.account_id)};
    RedisArg args[] = {used, u.account_id};
    if (pool_.Eval(ReturnScript(), keys, args).ok()) {
      NoteCharged(u.account_id);
      continue;
    }
    // Redis is down too: keep it here; the next TakeUsage hands it out again.
    MutexLock lock(topups_mu_);
    held_.push_back(u);
  }
}

}  // namespace keyward
