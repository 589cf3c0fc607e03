-- wrk script for the tracking benchmark: every request is a different impression pixel.
-- BENCH_TOKENS names a file of signed tokens, one per line; each thread takes its own slice
-- and stops (wrk.thread:stop) when its slice is used up, so no token is sent twice.
-- BENCH_CLIENTS (default 50000) distinct client addresses are sent in X-Forwarded-For, as a
-- proxy in front of gunicorn would (the server trusts 127.0.0.1 with TRUSTED_PROXIES), so the
-- public per-address rate limit applies as it does to real visitors.

local user_agent = os.getenv("BENCH_UA")
local path_tokens = os.getenv("BENCH_TOKENS")
local threads = tonumber(os.getenv("BENCH_THREADS_WRK") or "2")
local clients = tonumber(os.getenv("BENCH_CLIENTS") or "50000")
local all = {}
for line in io.lines(path_tokens) do all[#all + 1] = line end

local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

local mine, index = {}, 0
function init(args)
  for i = (id or 0) + 1, #all, threads do mine[#mine + 1] = all[i] end
end

local function client_address(n)
  local k = n % clients
  return string.format("10.%d.%d.%d", math.floor(k / 65536) % 256, math.floor(k / 256) % 256, k % 256)
end

function request()
  index = index + 1
  if index > #mine then
    wrk.thread:stop()
    index = #mine
  end
  -- wrk.format uses these headers instead of wrk.headers, so the User-Agent goes here too.
  local headers = {
    ["User-Agent"] = user_agent,
    ["X-Forwarded-For"] = client_address(index * threads + (id or 0)),
  }
  return wrk.format("GET", "/api/v1/track/impression/pixel?t=" .. mine[index], headers)
end
