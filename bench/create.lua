-- wrk script for key creation: POST /v1/tokens {"name":"bench"} with an admin key acting for one
-- account. Environment: KEYWARD_BENCH_ADMIN_KEY (ak_...), KEYWARD_BENCH_ACCOUNT (acct_...).
-- Prints the same machine-readable lines as auth.lua (NON2XX counts status >= 400).
--   wrk -t1 -c16 -d5s --latency -s bench/create.lua http://127.0.0.1:PORT/v1/tokens

local admin = os.getenv("KEYWARD_BENCH_ADMIN_KEY")
local account = os.getenv("KEYWARD_BENCH_ACCOUNT")
if admin == nil or admin == "" or account == nil or account == "" then
  io.stderr:write("create.lua: set KEYWARD_BENCH_ADMIN_KEY and KEYWARD_BENCH_ACCOUNT\n")
  os.exit(2)
end
wrk.method = "POST"
wrk.body = '{"name":"bench"}'
wrk.headers["x-api-key"] = admin
wrk.headers["Keyward-Account"] = account
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("REQUESTS=%d\n", summary.requests))
  io.write(string.format("DURATION_US=%d\n", summary.duration))
  io.write(string.format("RPS=%.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("P50_US=%d\n", latency:percentile(50)))
  io.write(string.format("P90_US=%d\n", latency:percentile(90)))
  io.write(string.format("P99_US=%d\n", latency:percentile(99)))
  io.write(string.format("MAX_US=%d\n", latency.max))
  io.write(string.format("NON2XX=%d\n", e.status))
  io.write(string.format("SOCKET_ERRORS=%d\n", e.connect + e.read + e.write + e.timeout))
end
