-- Presents a different well-formed (checksum-valid) never-issued key on every request,
-- read from the file in BENCH_TOKENS (one per line, made by bench/make_tokens.py). After
-- one pass over the file the thread stops and creates the file BENCH_DONE (wrk has no
-- request count; the caller interrupts wrk, which then prints its summary).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local done_mark = os.getenv("BENCH_DONE")
local next_token = 1
local answered = 0
function request()
  local token = tokens[next_token]
  next_token = next_token % #tokens + 1
  return wrk.format("GET", "/v1/whoami", { ["Authorization"] = "Bearer " .. token })
end
function response(status, headers, body)
  answered = answered + 1
  if answered == #tokens then
    if done_mark then
      local mark = io.open(done_mark, "w")
      if mark then mark:close() end
    end
    wrk.thread:stop()
  end
end
