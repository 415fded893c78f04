-- alerts.lua: wrk script posting Alertmanager v4 payloads with 1-10
-- alerts each; half the fingerprints repeat (dedup path), half are new.
-- Counts alerts sent so run.sh can report alerts/s.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("BENCH_TOKEN") or ""
  path = os.getenv("BENCH_PATH") or "/api/v1/alerts/alertmanager"
  format = os.getenv("BENCH_FORMAT") or "mloncall"
  alerts = 0
  math.randomseed(id * 7919 + 1)
end

local function alert(i)
  local fp
  if math.random() < 0.5 then
    fp = string.format("rep%04d", math.random(0, 499))
  else
    counter = counter + 1
    fp = string.format("t%d-%d", id, counter)
  end
  if format == "am" then
    return string.format('{"labels":{"alertname":"Bench%d","fp":"%s","severity":"warning"},"annotations":{"summary":"bench"}}', i % 5, fp)
  end
  return string.format('{"status":"firing","labels":{"alertname":"Bench%d","severity":"warning","fp":"%s"},"annotations":{"summary":"bench"},"startsAt":"2026-11-23T03:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"%s"}', i % 5, fp, fp)
end

function request()
  local n = math.random(1, 10)
  local parts = {}
  for i = 1, n do parts[i] = alert(i) end
  alerts = alerts + n
  local body
  if format == "am" then
    body = "[" .. table.concat(parts, ",") .. "]"
  else
    body = '{"version":"4","groupKey":"bench","status":"firing","receiver":"mloncall","alerts":[' .. table.concat(parts, ",") .. ']}'
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("alerts") or 0) end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT alerts=%d secs=%.2f alerts_per_s=%.0f req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    total, secs, total / secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
