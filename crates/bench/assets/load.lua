-- wrk script of `trustloop-bench run`: each request goes to the next path of this thread's share of
-- a file of paths, and counts the expected status as a success. Arguments (after wrk's `--`):
--   1. the file of paths, one per line;
--   2. the method (GET, POST);
--   3. the file of the request body, or "-" for none;
--   4. the header each request carries ("Name: value"), or "-" for none;
--   5. the status that means success (303 for a stored answer, 200 for a report);
--   6. how many threads wrk runs (each takes every n-th path, or all when there are fewer paths
--      than threads).
-- A thread that has used all of its paths starts again at its first: a survey link answers
-- only once, so a run too long for its links shows up as failures.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local total = tonumber(args[6])
  local all = {}
  for line in io.lines(args[1]) do
    all[#all + 1] = line
  end
  -- Fewer paths than threads (one report read again and again): every thread takes them all.
  if #all < total then
    total = 1
    id = 1
  end
  paths = {}
  for n, line in ipairs(all) do
    if (n - 1) % total == id - 1 then
      paths[#paths + 1] = line
    end
  end
  method = args[2]
  body = nil
  if args[3] ~= "-" then
    local file = assert(io.open(args[3], "rb"))
    body = file:read("*a")
    file:close()
  end
  headers = {}
  if args[4] ~= "-" then
    local name, value = args[4]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  success = tonumber(args[5])
  next_path = 0
  stored = 0
  refused = 0
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format(method, paths[next_path], headers, body)
end

function response(status)
  if status == success then
    stored = stored + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency)
  local ok, failed = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("stored")
    failed = failed + thread:get("refused")
  end
  failed = failed + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("trustloop-load ok=%d failed=%d seconds=%.6f p50=%.6f p99=%.6f\n",
    ok, failed, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3))
end
