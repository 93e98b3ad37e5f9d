-- wrk script for GET /v1/auth (and nginx's `return 200`, for comparison): every request carries
-- the key from $KEYWARD_BENCH_KEY in x-api-key. At the end it prints machine-readable lines that
-- bench/run parses (latencies in microseconds; NON2XX counts responses with status >= 400, which
-- is what wrk itself counts as errors).
--   KEYWARD_BENCH_KEY=sk_live_... wrk -t1 -c64 -d10s --latency -s bench/auth.lua http://127.0.0.1:PORT/v1/auth

local key = os.getenv("KEYWARD_BENCH_KEY")
if key == nil or key == "" then
  io.stderr:write("auth.lua: set KEYWARD_BENCH_KEY to the key to send\n")
  os.exit(2)
end
wrk.method = "GET"
wrk.headers["x-api-key"] = key

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
