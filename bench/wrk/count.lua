-- Stops each thread after its share of BENCH_REQUESTS responses (wrk has no -n).
local limit = tonumber(os.getenv("BENCH_REQUESTS") or "10000")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local per_thread = math.ceil(limit / threads)
local seen = 0
function response(status, headers, body)
  seen = seen + 1
  if seen >= per_thread then
    wrk.thread:stop()
  end
end
