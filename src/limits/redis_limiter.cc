// See redis_limiter.h. The script mirrors core/gcra.cc line by line, in microseconds.
#include "limits/redis_limiter.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "limits/limits_and_credits.h"
#include "limits/redis_credit_meter.h"

namespace keyward {
namespace {

// KEYS[1..n]: the buckets. ARGV[1]: now (µs), ARGV[2]: n; then per bucket: limit, window (s),
// cost. Leaves `all` (1 when every bucket allowed) and `out` = {all, then per bucket: allowed,
// remaining, reset_after_us, retry_after_us}.
constexpr std::string_view kGcraBody = R"lua(
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local stored, chain, res = {}, {}, {}
local all = 1
local function gcra(tat, limit, window, cost)
  if limit <= 0 or window <= 0 then return 0, tat, 0, 0, 1 end
  if cost < 0 then cost = 0 end
  local interval = math.max(math.floor(window / limit), 1)
  local capacity = limit * interval
  local start = math.max(tat, now)
  local after = start
  local allowed = 0
  if cost <= limit then
    local cand = start + cost * interval
    if cand - now <= capacity then
      allowed = 1
      after = cand
    end
  end
  local retry = 0
  if allowed == 0 then
    local wanted = math.min(cost, limit + 1)
    retry = math.max(start + wanted * interval - capacity - now, 1)
  end
  local used = after - now
  local remaining = math.floor((capacity - used) / interval)
  if remaining < 0 then remaining = 0 end
  if remaining > limit then remaining = limit end
  local new_tat = tat
  if allowed == 1 then new_tat = after end
  return allowed, new_tat, remaining, used, retry
end
local news = {}
for i = 1, n do
  local k = KEYS[i]
  local limit = tonumber(ARGV[3 + (i - 1) * 3])
  local window = tonumber(ARGV[4 + (i - 1) * 3]) * 1000000
  local cost = tonumber(ARGV[5 + (i - 1) * 3])
  local v = redis.call('GET', k)
  stored[i] = now
  if v then stored[i] = tonumber(v) end
  local tat = stored[i]
  if chain[k] ~= nil then tat = chain[k] end
  local allowed, new_tat, remaining, reset_after, retry = gcra(tat, limit, window, cost)
  if allowed == 0 then all = 0 end
  chain[k] = new_tat
  news[i] = new_tat
  res[i] = {allowed, remaining, reset_after, retry}
end
if all == 1 then
  for i = 1, n do
    if news[i] > now then
      redis.call('SET', KEYS[i], string.format('%d', news[i]),
                 'PX', math.floor((news[i] - now) / 1000) + 1)
    end
  end
else
  -- Nothing taken: the buckets that had room are reported as they stand now.
  for i = 1, n do
    if res[i][1] == 1 then
      local limit = tonumber(ARGV[3 + (i - 1) * 3])
      local window = tonumber(ARGV[4 + (i - 1) * 3]) * 1000000
      local _, _, remaining, reset_after, _ = gcra(stored[i], limit, window, 0)
      res[i] = {1, remaining, reset_after, 0}
    end
  end
end
local out = {all}
for i = 1, n do
  for j = 1, 4 do out[#out + 1] = res[i][j] end
end
)lua";

const RedisScript& TakeScript() {
  static const RedisScript script(std::string(kGcraBody) + "return out\n");
  return script;
}

// The same, then — only when every bucket allowed — the credit step of RedisCreditMeter's charge
// script on KEYS[n+1] (the account) and KEYS[n+2] (the dirty set): ARGV[3+3n] the cost (0: only
// read the balance), ARGV[4+3n] the account id. Appends {code, unlimited, balance}: code -2 when
// the limits refused (no credit step), -1 when the account is not held, 0 refused, 1 allowed.
const RedisScript& TakeChargeScript() {
  static const RedisScript script(std::string(kGcraBody) + R"lua(
local acct, dirty = KEYS[n + 1], KEYS[n + 2]
local cost_arg = ARGV[3 + 3 * n]
local cost = tonumber(cost_arg)
if all ~= 1 then
  out[#out + 1] = -2; out[#out + 1] = 0; out[#out + 1] = 0
  return out
end
local v = redis.call('HMGET', acct, 'u', 'b')
if not v[1] then
  out[#out + 1] = -1; out[#out + 1] = 0; out[#out + 1] = 0
  return out
end
local unlimited = tonumber(v[1])
local b = tonumber(v[2] or 0)
if cost > 0 then
  if unlimited ~= 1 then
    if b < cost then
      out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = b
      return out
    end
    redis.call('HINCRBY', acct, 'b', '-' .. cost_arg)
    b = b - cost
  end
  redis.call('HINCRBY', acct, 'p', cost_arg)
  redis.call('SADD', dirty, ARGV[4 + 3 * n])
end
out[#out + 1] = 1; out[#out + 1] = unlimited; out[#out + 1] = b
return out
)lua");
  return script;
}

constexpr int64_t kMicrosPerSecond = 1'000'000;
// Buckets one script call decides (the verifier asks for one to three); more is refused as
// unavailable rather than allocated for.
constexpr size_t kMaxBuckets = 8;
// Redis Cluster: the tag of calls whose buckets name none (sign-in, agent polling).
constexpr std::string_view kSharedTag = "kw";

int64_t CeilSeconds(int64_t us) {
  if (us <= 0) return us / kMicrosPerSecond;
  return (us + kMicrosPerSecond - 1) / kMicrosPerSecond;
}

}  // namespace

RedisLimiter::RedisLimiter(RedisPool& pool, std::string key_prefix)
    : pool_(pool), prefix_(std::move(key_prefix) + "rl:"), cluster_(pool.cluster() != nullptr) {}

LimitOutcome RedisLimiter::Take(std::span<const BucketRequest> requests, int64_t now_ns) {
  return Run(requests, now_ns, nullptr, {}, 0, nullptr);
}

LimitOutcome RedisLimiter::TakeThenCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                                          RedisCreditMeter& meter, std::string_view account,
                                          int64_t cost, CreditCharge* charge) {
  // Redis Cluster: one script only when the buckets share the account's slot (the sandbox's per-IP
  // buckets do not; its requests are never charged, only the balance is read).
  if (requests.empty() || (cluster_ && requests[0].tag != account)) {
    return TakeThenChargeInTwoSteps(*this, meter, requests, now_ns, account, cost, charge);
  }
  return Run(requests, now_ns, &meter, account, cost, charge);
}

LimitOutcome RedisLimiter::Run(std::span<const BucketRequest> requests, int64_t now_ns,
                               RedisCreditMeter* meter, std::string_view account, int64_t cost,
                               CreditCharge* charge) {
  const size_t n = requests.size();
  LimitOutcome out;
  out.allowed = true;
  if (n == 0) return out;
  const int64_t now_us = now_ns / 1000;
  if (n > kMaxBuckets) {
    out.allowed = false;
    out.unavailable = true;
    return out;
  }

  // Keys and arguments point into the requests and into this frame: nothing is copied into a
  // string of its own, the pool encodes them straight into the connection's buffer.
  std::array<RedisArg, kMaxBuckets + 2> keys;
  std::array<RedisArg, 4 + 3 * kMaxBuckets> args;
  size_t nk = 0;
  size_t na = 0;
  args[na++] = RedisArg::Number(now_us);
  args[na++] = RedisArg::Number(static_cast<int64_t>(n));
  // Redis Cluster: every key of the call on the slot of one hash tag (redis_limiter.h).
  const std::string_view tag = requests[0].tag.empty() ? kSharedTag : requests[0].tag;
  for (const BucketRequest& r : requests) {
    keys[nk++] = cluster_ ? RedisArg::Tagged(prefix_, tag, r.key) : RedisArg(prefix_, r.key);
    args[na++] = RedisArg::Number(r.spec.limit);
    args[na++] = RedisArg::Number(r.spec.window_seconds);
    args[na++] = RedisArg::Number(std::max<int64_t>(r.cost, 0));
  }
  if (meter) {
    keys[nk++] = meter->AccountKey(account);
    keys[nk++] = meter->DirtyKey(account);
    args[na++] = RedisArg::Number(std::max<int64_t>(cost, 0));
    args[na++] = RedisArg(account);
  }
  std::array<int64_t, 1 + 4 * kMaxBuckets + 3> e{};
  size_t got = 0;
  const Status st =
      pool_.EvalIntegers(meter ? TakeChargeScript() : TakeScript(), std::span(keys.data(), nk),
                         std::span(args.data(), na), e, &got);
  const size_t expected = 1 + 4 * n + (meter ? 3 : 0);
  if (!st.ok() || got != expected) {
    out.allowed = false;
    out.unavailable = true;
    return out;
  }
  out.allowed = e[0] == 1;
  out.buckets.resize(n);
  for (size_t i = 0; i < n; ++i) {
    BucketState& s = out.buckets[i];
    const RateSpec& spec = requests[i].spec;
    s.allowed = e[1 + 4 * i] == 1;
    s.limit = spec.limit;
    s.remaining = e[2 + 4 * i];
    const int64_t reset_after_us = e[3 + 4 * i];
    s.reset_after_s = CeilSeconds(reset_after_us);
    s.reset_unix = CeilSeconds(now_us + reset_after_us);
    s.retry_after_s = s.allowed ? 0 : std::max<int64_t>(1, CeilSeconds(e[4 + 4 * i]));
    s.window_seconds = spec.window_seconds;
  }
  size_t tightest = n;
  for (size_t i = 0; i < n; ++i) {
    if (!out.buckets[i].allowed) {
      tightest = i;
      break;
    }
  }
  if (tightest == n) {
    tightest = 0;
    for (size_t i = 1; i < n; ++i) {
      if (out.buckets[i].remaining < out.buckets[tightest].remaining) tightest = i;
    }
  }
  out.tightest = tightest;
  if (meter && out.allowed) {
    const int64_t code = e[1 + 4 * n];
    if (code == -1) {
      // Not held in Redis: the meter seeds it from the store (a second round trip, rarely).
      if (cost > 0) {
        *charge = meter->Charge(account, cost);
      } else {
        charge->allowed = true;
        if (auto snapshot = meter->Snapshot(account)) charge->balance = snapshot->balance;
      }
    } else {
      if (code == 1 && cost > 0) meter->NoteCharged(account);
      charge->allowed = code == 1;
      charge->unavailable = false;
      if (e[2 + 4 * n] == 1) {
        charge->balance.reset();
      } else {
        charge->balance = e[3 + 4 * n];
      }
    }
  }
  return out;
}

}  // namespace keyward
