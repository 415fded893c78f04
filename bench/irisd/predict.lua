-- predict.lua: wrk script posting Iris feature rows to irisd's /predict
-- and printing one RESULT line (requests/s, p50/p99 in ms) for run.sh.
local rows = {
  "[5.1,3.5,1.4,0.2]", "[7.0,3.2,4.7,1.4]", "[6.3,3.3,6.0,2.5]",
  "[4.9,3.0,1.4,0.2]", "[6.4,3.2,4.5,1.5]", "[5.8,2.7,5.1,1.9]",
}
local i = 0

function request()
  i = i + 1
  return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"},
                    '{"features":' .. rows[i % #rows + 1] .. '}')
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
