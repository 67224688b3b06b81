-- One benchmark scenario for wrk, configured by environment variables (bench/parley_bench.py sets them):
--   BENCH_METHOD   GET or POST
--   BENCH_HEADERS  extra request headers, one "Name: value" a line
--   BENCH_BODY     a POST's urlencoded body; every "{n}" becomes a token unique to the request
--   BENCH_NONCE    makes the tokens unique across runs too
-- At the end it prints one line, "BENCH-RESULT {json}": requests, seconds, latency percentiles
-- (milliseconds, from wrk's own histogram) and the count of each response status.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  body_template = os.getenv("BENCH_BODY")
  nonce = os.getenv("BENCH_NONCE") or "0"
  counter = 0
  statuses = {}
  if not body_template then
    -- The same request every time: let wrk build it once.
    fixed = wrk.format()
  end
end

function request()
  if fixed then return fixed end
  counter = counter + 1
  local token = nonce .. "x" .. thread_id .. "x" .. counter
  local body = body_template:gsub("{n}", token)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, '
      .. '"socket_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.mean / 1e3, errors.connect + errors.read + errors.write, errors.timeout, table.concat(parts, ", ")))
end
