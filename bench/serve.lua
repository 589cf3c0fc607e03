-- wrk script for the serve benchmark.
--
-- BENCH_ZONES (comma-separated zone uuids): requests rotate over
-- /api/v1/serve/<zone>?country=US&uid=<user>; without it, the URL given to wrk is requested
-- as it is (the trivial /bench/ping view). Every request carries the same desktop Chrome
-- User-Agent and one of BENCH_CLIENTS (default 50000) client addresses in X-Forwarded-For, as a
-- proxy in front of gunicorn would pass them (the server trusts 127.0.0.1 with
-- TRUSTED_PROXIES), so the public per-address rate limit applies as it does to real visitors.
-- done() prints one machine-readable line: BENCH_JSON {...}.

local user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
  .. "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local clients = tonumber(os.getenv("BENCH_CLIENTS") or "50000")

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
end

local function client_address(n)
  local k = n % clients
  return string.format("10.%d.%d.%d", math.floor(k / 65536) % 256, math.floor(k / 256) % 256, k % 256)
end

function request()
  counter = counter + 1
  -- wrk.format uses these headers instead of wrk.headers.
  local headers = {
    ["User-Agent"] = user_agent,
    ["Accept"] = "application/json",
    ["X-Forwarded-For"] = client_address(counter),
  }
  if #zones == 0 then
    return wrk.format("GET", nil, headers)
  end
  local zone = zones[(counter % #zones) + 1]
  local path = "/api/v1/serve/" .. zone .. "?country=US&uid=bench-" .. (counter % users)
  return wrk.format("GET", path, headers)
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
