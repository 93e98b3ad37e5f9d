-- wrk script for `make soak` (bench/soak): GET /v1/auth with keys of one class, rotating through
-- the keys in the file $SOAK_KEYS (one per line), checking every status against the class's
-- expected set ($SOAK_EXPECT, e.g. "200" or "401,429"), and pacing its requests at $SOAK_RATE
-- per second (run it with -t1).
-- At the end it prints machine-readable lines that bench/soak parses (latencies in µs).

local keys = {}
for line in io.lines(os.getenv("SOAK_KEYS")) do
  if line ~= "" then keys[#keys + 1] = line end
end
local expect = {}
for s in string.gmatch(os.getenv("SOAK_EXPECT"), "%d+") do expect[tonumber(s)] = true end
-- A client address for the trusted loopback proxy to report (only a header; no traffic goes there),
-- so that failing classes meet the failed-authentication throttle like remote clients would.
local xff = os.getenv("SOAK_XFF")

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  n = id * 7919
  unexpected = 0
  statuses = {}
end

function request()
  n = n + 1
  local key = keys[(n % #keys) + 1]
  local h = { ["x-api-key"] = key, ["X-Original-Method"] = "GET", ["X-Original-URI"] = "/v1/things" }
  if xff and xff ~= "" then h["X-Forwarded-For"] = xff end
  return wrk.format("GET", "/v1/auth", h)
end

-- Pacing: $SOAK_RATE requests per second for this wrk thread, on a fixed schedule (request k is
-- due at start + k / rate), so that response times do not lower the rate: delay() is asked once
-- per request and waits until that request's slot. A client that fell far behind (the server
-- stalled) drops the missed slots instead of bursting to catch up.
local rate = tonumber(os.getenv("SOAK_RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
    int clock_gettime(int clock_id, soak_timespec *tp);
  ]]
  local ts = ffi.new("soak_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local period_ms = 1000 / rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - 250 then next_slot = now end
    next_slot = next_slot + period_ms
    local wait = next_slot - now
    if wait <= 0 then return 0 end
    return math.floor(wait)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if not expect[status] then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total_unexpected = 0
  local seen = {}
  for _, t in ipairs(threads) do
    total_unexpected = total_unexpected + t:get("unexpected")
    for s, c in pairs(t:get("statuses")) do seen[s] = (seen[s] or 0) + c end
  end
  local parts = {}
  for s, c in pairs(seen) do parts[#parts + 1] = s .. ":" .. c end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format("REQUESTS=%d\n", summary.requests))
  io.write(string.format("RPS=%.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("P50_US=%d\n", latency:percentile(50)))
  io.write(string.format("P99_US=%d\n", latency:percentile(99)))
  io.write(string.format("UNEXPECTED=%d\n", total_unexpected))
  io.write(string.format("STATUSES=%s\n", table.concat(parts, ",")))
  io.write(string.format("SOCKET_ERRORS=%d\n", e.connect + e.read + e.write + e.timeout))
end
