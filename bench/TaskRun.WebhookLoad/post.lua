-- wrk script of hack/bench-webhook.sh: POSTs the file named by WRK_BODY as application/json on every request
-- and ends with one machine-readable line: requests, duration (µs), p50 and p99 latency (µs), non-2xx, socket errors.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
