-- wrk script for the bid benchmark: POSTs the OpenRTB bid requests of BENCH_BODIES (one JSON
-- document per line), rotating over them. done() prints one machine-readable line:
-- BENCH_JSON {...} (latency in microseconds, status counts).

local bodies = {}
local path = os.getenv("BENCH_BODIES")
for line in io.lines(path) do
  bodies[#bodies + 1] = line
end

local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  threads[#threads + 1] = thread
end

local counter = 0
statuses = {}

function init(args)
  counter = (id or 0) * 7919
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["x-openrtb-version"] = "2.6"
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/openrtb/2.6/bid", nil, bodies[(counter % #bodies) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', code, n)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "rps": %.2f, "socket_errors": %d, '
      .. '"timeouts": %d, "statuses": {%s}, "latency_us": {"mean": %.1f, "p50": %d, '
      .. '"p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    errors.connect + errors.read + errors.write, errors.timeout, table.concat(parts, ", "),
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max
  ))
end
