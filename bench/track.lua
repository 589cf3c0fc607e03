-- wrk script for the tracking benchmark: every request is a different impression pixel.
-- BENCH_TOKENS names a file of signed tokens, one per line; each thread takes its own slice
-- and stops (wrk.thread:stop) when its slice is used up, so no token is sent twice.

local user_agent = os.getenv("BENCH_UA")
local path_tokens = os.getenv("BENCH_TOKENS")
local threads = tonumber(os.getenv("BENCH_THREADS_WRK") or "2")
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
  wrk.headers["User-Agent"] = user_agent
end

function request()
  index = index + 1
  if index > #mine then
    wrk.thread:stop()
    index = #mine
  end
  return wrk.format("GET", "/api/v1/track/impression/pixel?t=" .. mine[index])
end
