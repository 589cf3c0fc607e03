-- wrk script for the serve benchmark.
--
-- BENCH_ZONES (comma-separated zone uuids): requests rotate over
-- /api/v1/serve/<zone>?country=US&uid=<user>; without it, the URL given to wrk is requested
-- as it is (the trivial /bench/ping view). Every request carries the same desktop Chrome
-- User-Agent. done() prints one machine-readable line: BENCH_JSON {...}.

local user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
  .. "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
local users = tonumber(os.getenv("BENCH_USERS") or "1000")

local zones = {}
for zone in string.gmatch(os.getenv("BENCH_ZONES") or "", "[^,]+") do
  zones[#zones + 1] = zone
end

local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

local counter = 0

function init(args)
  counter = (id or 0) * 7919
  wrk.headers["User-Agent"] = user_agent
  wrk.headers["Accept"] = "application/json"
end

function request()
  counter = counter + 1
  if #zones == 0 then
    return wrk.format("GET")
  end
  local zone = zones[(counter % #zones) + 1]
  local path = "/api/v1/serve/" .. zone .. "?country=US&uid=bench-" .. (counter % users)
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "rps": %.2f, '
      .. '"socket_errors": %d, "timeouts": %d, "latency_us": {"mean": %.1f, "p50": %d, '
      .. '"p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    errors.connect + errors.read + errors.write, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max
  ))
end
