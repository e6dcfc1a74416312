-- Presents a different well-formed (checksum-valid) never-issued key on every request,
-- read from the file in BENCH_TOKENS (one per line, made by bench/make_tokens.py).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local next_token = 1
function request()
  local token = tokens[next_token]
  next_token = next_token % #tokens + 1
  return wrk.format("GET", "/v1/whoami", { ["Authorization"] = "Bearer " .. token })
end
