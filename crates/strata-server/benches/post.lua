-- wrk script for strata's HTTP load test: POSTs GraphQL bodies, one JSON
-- document per line of the file named by $BODIES, in turn, so that every
-- connection asks about many different entities rather than one cached one.
local bodies = {}
local next_body = 0

function init(args)
  local path = os.getenv("BODIES")
  for line in io.lines(path) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  if #bodies == 0 then error("no request bodies in " .. tostring(path)) end
  -- Threads start at different places in the list.
  next_body = math.random(#bodies)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, %.0f requests/s, %d non-2xx or socket errors (answers were checked before the run)\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
