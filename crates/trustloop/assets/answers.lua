-- wrk script of `trustloop bench`: each request posts the survey form to the next link of this
-- thread's share of the links (one per line in the file given as the first argument, the form
-- in the file given as the second), and counts a 303 (stored) as a success. When a thread has
-- used all its links it starts again at its first, and those answers count as failures (the
-- survey has already been answered), so a run too long for its links shows up as failures.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local total = tonumber(args[3])
  links = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % total == id - 1 then
      links[#links + 1] = "/s/" .. line
    end
    n = n + 1
  end
  local file = assert(io.open(args[2], "rb"))
  form = file:read("*a")
  file:close()
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  next_link = 0
  stored = 0
  refused = 0
end

function request()
  next_link = next_link % #links + 1
  return wrk.format("POST", links[next_link], headers, form)
end

function response(status)
  if status == 303 then
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
