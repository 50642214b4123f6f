-- wrk script: walks a list of request paths, one line per request path ("/api/v1/...").
--
--   wrk -t T -c C -d 15s -s walk.lua http://127.0.0.1:PORT -- PATHS_FILE T
--
-- Thread k of T takes lines k, k+T, k+2T, ... and sends them in order, starting over when it
-- reaches the end (each start-over is counted: `wraps` > 0 means some request repeated). The
-- requests are formatted once in init(), so per request the script only returns a string: the
-- load generator's own cost is as low as wrk allows, and the same for every server measured.
-- No response() callback is defined on purpose (it would make wrk copy every body into Lua).
--
-- done() prints one machine-readable line:
--   RESULT requests=N duration_us=N bytes=N connect=N read=N write=N status=N timeout=N
--          p50_us=N p90_us=N p99_us=N mean_us=N max_us=N wraps=N paths=N
-- where status counts responses with an HTTP status >= 400 (wrk's "Non-2xx or 3xx").

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2])
  if file == nil or nthreads == nil then
    error("usage: wrk ... -s walk.lua URL -- PATHS_FILE THREADS")
  end
  requests_ = {}
  local n = 0
  for line in io.lines(file) do
    if line ~= "" then
      if n % nthreads == id then
        requests_[#requests_ + 1] = wrk.format("GET", line)
      end
      n = n + 1
    end
  end
  if #requests_ == 0 then error("no request paths for thread " .. id .. " in " .. file) end
  paths = #requests_
  pos_ = 0
  wraps = 0
end

function request()
  pos_ = pos_ + 1
  if pos_ > #requests_ then
    pos_ = 1
    wraps = wraps + 1
  end
  return requests_[pos_]
end

function done(summary, latency, requests)
  local wraps_total, paths_total = 0, 0
  for _, t in ipairs(threads) do
    wraps_total = wraps_total + t:get("wraps")
    paths_total = paths_total + t:get("paths")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d " ..
    "timeout=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%d max_us=%d wraps=%d paths=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    math.floor(latency.mean), latency.max, wraps_total, paths_total))
end
