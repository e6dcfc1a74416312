#!/usr/bin/env bash
# `make bench`, part 2: /v1 against PostgreSQL with load from wrk (Debian's package) and
# oha (crates.io, for request counts and fixed rates). Builds the server with the `bench`
# feature into a target directory of its own (never the normal release binary), starts
# two servers on a fresh database and writes bench/results/v1.md (bench/report_v1.py).
# Ratios within one run are what to compare.
#
# On a machine with two or more cores the servers run on one set of cores and every load
# generator on another (taskset), so a load generator never takes CPU time from the server
# it measures: on two cores, sharing them made the same round vary by 10 % and more.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[bench-api] $*" >&2; }
SUDO=""; if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
OHA_VERSION="1.15.0" # rust-version 1.88: builds on the workspace's 1.95
if ! command -v valgrind >/dev/null; then
  log "installing valgrind"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind
fi
if ! oha --version 2>/dev/null | grep -q "$OHA_VERSION"; then
  log "installing oha $OHA_VERSION (a few minutes, once)"
  CARGO_TARGET_DIR="${KEYWARD_TOOLS_TARGET_DIR:-$HOME/.cache/keyward-tools-target}" \
    cargo install "oha@$OHA_VERSION" --locked -q
fi
scripts/setup-system.sh

BENCH_TARGET="${CARGO_TARGET_DIR:-target}/bench"
log "building the bench server (release, --features bench) into $BENCH_TARGET"
# Line tables only: `perf report` can name functions; the code generated is the same.
CARGO_TARGET_DIR="$BENCH_TARGET" CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
  cargo build --release -p server --features bench -q
SERVER_BIN="$BENCH_TARGET/release/server"

ADMIN_URL="${KEYWARD_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB_NAME="kw_bench_$(date +%s)_$$"
RUN_DIR="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB_NAME" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DATABASE_URL="${ADMIN_URL%/*}/$DB_NAME"
export KEYWARD_DATA_DIR="$RUN_DIR/data"
export KEYWARD_KEY_PEPPER="bench-pepper-0123456789abcdef0123456789"
# Quotas far above what the load can send, so the limiters run but never refuse.
export KEYWARD_RATE_LIMIT_BUSINESS=1000000000
export KEYWARD_FAILED_KEYS_PER_IP_PER_MINUTE=1000000000
export KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT=100000
export KEYWARD_LOGIN_ATTEMPTS_PER_IP=100000
export RUST_LOG=warn
PASSWORD="bench password with spaces"
FIGURES="$RUN_DIR/figures"
figure() { echo "$1=$2" >> "$FIGURES"; } # <name> <value>
secret_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'; }

echo "$PASSWORD" | "$SERVER_BIN" admin create-owner --org "Bench" --email bench@example.com >/dev/null
KEY="$("$SERVER_BIN" keys create --org bench --name bench --mode live --scopes '*' | secret_of)"

CORES="$(nproc)"
if [ "$CORES" -ge 2 ]; then
  cpu_range() { if [ "$1" -eq "$2" ]; then echo "$1"; else echo "$1-$2"; fi; }
  SERVER_CPUS="${BENCH_SERVER_CPUS:-$(cpu_range $((CORES / 2)) $((CORES - 1)))}"
  LOAD_CPUS="${BENCH_LOAD_CPUS:-$(cpu_range 0 $((CORES / 2 - 1)))}"
  ON_SERVER_CPUS=(taskset -c "$SERVER_CPUS")
  ON_LOAD_CPUS=(taskset -c "$LOAD_CPUS")
  figure pinning "$SERVER_CPUS $LOAD_CPUS"
else
  ON_SERVER_CPUS=()
  ON_LOAD_CPUS=()
fi
ROUNDS="${BENCH_ROUNDS:-5}"
figure rounds "$ROUNDS"

start_server() { # <port> <log> [VAR=value...]
  local port="$1" log_file="$2"; shift 2
  env "$@" LEPTOS_SITE_ADDR="127.0.0.1:$port" "${ON_SERVER_CPUS[@]}" "$SERVER_BIN" serve 2>"$log_file" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "server on $port did not start"; cat "$log_file" >&2; exit 1
}
PORT_A="$(free_port)"; start_server "$PORT_A" "$RUN_DIR/a.log"
PORT_B="$(free_port)"; start_server "$PORT_B" "$RUN_DIR/b.log"
BASE="http://127.0.0.1:$PORT_A"
AUTH="Authorization: Bearer $KEY"
DURATION="${BENCH_SECONDS:-10}"

# wrk's summary → "req/s p50_ms p99_ms"
wrk_figures() {
  python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50, p99 = ms("50%"), ms("99%")
print(f"{rps:.0f} {p50:.3f} {p99:.3f}")'
}
run_wrk() { # <base> <path> <auth header> → figures
  "${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d"${DURATION}s" --latency -H "$3" "$1$2" | tee -a "$RUN_DIR/wrk.log" | wrk_figures
}
# oha's JSON summary → "req/s p50_ms p99_ms non_2xx"
oha_figures() {
  python3 -c '
import json, sys
s = json.load(sys.stdin)
codes = s.get("statusCodeDistribution", {})
failed = sum(n for code, n in codes.items() if not code.startswith("2"))
p = s["latencyPercentiles"]
rps, p50, p99 = s["summary"]["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {failed}")'
}

log "warming up"
"${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d2s -H "$AUTH" "$BASE/v1/whoami" >/dev/null
"${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d2s -H "$AUTH" "$BASE/v1/bench/whoami" >/dev/null

log "1. /v1/whoami with and without authentication"
for round in $(seq 1 "$ROUNDS"); do
  read -r rps p50 p99 <<<"$(run_wrk "$BASE" /v1/whoami "$AUTH")"
  figure "auth_$round" "$rps $p50 $p99"
  read -r rps p50 p99 <<<"$(run_wrk "$BASE" /v1/bench/whoami "$AUTH")"
  figure "open_$round" "$rps $p50 $p99"
done

log "1b. instructions per request under callgrind (repeatable, unlike req/s)"
figure instructions "$(bench/instructions_v1.sh "$SERVER_BIN" "$KEY" "$RUN_DIR/callgrind")"

log "2. statements during 10,000 warm requests"
sleep 6 # let the usage flush of the load above pass
statements() { curl -fsS "$BASE/v1/bench/statements" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["reads"], s["writes"])'; }
read -r READS_BEFORE WRITES_BEFORE <<<"$(statements)"
STARTED=$(date +%s.%N)
"${ON_LOAD_CPUS[@]}" oha -n 10000 -c 32 --no-tui --output-format json -H "$AUTH" "$BASE/v1/whoami" > "$RUN_DIR/count.json"
ELAPSED=$(python3 -c "import time; print(f'{time.time() - $STARTED:.2f}')")
read -r READS_AFTER WRITES_AFTER <<<"$(statements)"
figure statements "$((READS_AFTER - READS_BEFORE)) $((WRITES_AFTER - WRITES_BEFORE)) $ELAPSED"
# The same window with no requests: what the heartbeat alone writes.
read -r READS_BEFORE WRITES_BEFORE <<<"$(statements)"
sleep "$ELAPSED"
read -r READS_AFTER WRITES_AFTER <<<"$(statements)"
figure idle_statements "$((READS_AFTER - READS_BEFORE)) $((WRITES_AFTER - WRITES_BEFORE))"

log "3. revoke through another process, time until server B refuses (${BENCH_TRIALS:-20} trials)"
python3 bench/revoke_propagation.py "$SERVER_BIN" "$PORT_B" bench "${BENCH_TRIALS:-20}" > "$RUN_DIR/propagation.jsonl"
figure propagation "$(python3 -c "
import json, statistics
ms = [json.loads(line)['ms'] for line in open('$RUN_DIR/propagation.jsonl')]
print(f'{statistics.median(ms):.1f} {max(ms):.1f} {len(ms)}')")"

log "4. /v1 p99 at a fixed rate, alone and while 20 sign-ins run"
# Half the median throughput measured in 1: a load the server carries with room to spare.
RATE="$(python3 -c '
import statistics, sys
rates = [float(line.split("=")[1].split()[0]) for line in open(sys.argv[1]) if line.startswith("auth_")]
print(int(statistics.median(rates) / 2))' "$FIGURES")"
fixed_rate() { # <base> → figures
  "${ON_LOAD_CPUS[@]}" oha -z "${DURATION}s" -q "$RATE" -c 32 --latency-correction --no-tui --output-format json \
    -H "$AUTH" "$1/v1/whoami" | oha_figures
}
sign_ins() { # <base>: 20 at once, the password checked by argon2 each time
  sleep 1
  "${ON_LOAD_CPUS[@]}" oha -n 20 -c 20 --no-tui --output-format json -m POST \
    -H "Origin: $1" -H "Accept: application/json" -T application/x-www-form-urlencoded \
    -d "email=bench%40example.com&password=bench+password+with+spaces" "$1/api/login" \
    > "$RUN_DIR/sign-ins.json"
}
# Each password-hashing concurrency on a server of its own, started for this item only.
for threads in 1 2; do
  port="$(free_port)"
  start_server "$port" "$RUN_DIR/hashing-$threads.log" KEYWARD_PASSWORD_HASHING_THREADS="$threads"
  base="http://127.0.0.1:$port"
  "${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d2s -H "$AUTH" "$base/v1/whoami" >/dev/null
  for round in $(seq 1 "$ROUNDS"); do
    figure "rate_alone_${threads}_$round" "$(fixed_rate "$base")"
    sign_ins "$base" &
    SIGNING=$!
    figure "rate_signins_${threads}_$round" "$(fixed_rate "$base")"
    wait "$SIGNING"
    figure "signins_${threads}_$round" "$(oha_figures < "$RUN_DIR/sign-ins.json")"
    # The same load alone once more: how far two runs without sign-ins differ (the
    # measurement's own noise, against which the ratio above is read).
    figure "rate_again_${threads}_$round" "$(fixed_rate "$base")"
  done
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
done
figure rate "$RATE"

log "5. one organization with 100,000 keys"
echo "$PASSWORD" | "$SERVER_BIN" admin create-owner --org "Small" --email small@example.com >/dev/null
SMALL_KEY="$("$SERVER_BIN" keys create --org small --name small --mode live --scopes '*' | secret_of)"
for i in $(seq 1 9); do "$SERVER_BIN" keys create --org small --name "small $i" --mode live --scopes '*' >/dev/null; done
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f bench/sql/hundred_thousand_keys.sql
figure key_count "$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM api_keys k JOIN organizations o ON o.id = k.org_id WHERE o.slug = 'bench'")"
COOKIES="$RUN_DIR/cookies"
curl -fsS -c "$COOKIES" -H "Origin: $BASE" -H "Accept: application/json" \
  --data-urlencode "email=bench@example.com" --data-urlencode "password=$PASSWORD" "$BASE/api/login" >/dev/null
SESSION="$(sed 's/^#HttpOnly_//' "$COOKIES" | awk '!/^#/ && NF >= 7 {print $6 "=" $7}' | head -1)"
[ -n "$SESSION" ] || { log "sign-in for the key list failed"; exit 1; }
DEEP_CURSOR="$(psql "$DATABASE_URL" -Atc "SELECT replace(k.id::text, '-', '') FROM api_keys k JOIN organizations o ON o.id = k.org_id WHERE o.slug = 'bench' ORDER BY k.id DESC OFFSET 99000 LIMIT 1")"
list_page() { # <cursor or empty> → figures
  local cursor='null'; [ -n "$1" ] && cursor="\"$1\""
  "${ON_LOAD_CPUS[@]}" oha -n "${BENCH_LIST_REQUESTS:-500}" -c 4 --no-tui --output-format json -m POST \
    -H "Origin: $BASE" -H "Accept: application/json" -H "Cookie: $SESSION" -T application/json \
    -d "{\"query\":{\"status\":null,\"mode\":null,\"workspace_id\":null,\"search\":null,\"cursor\":$cursor}}" \
    "$BASE/api/key_listing" | oha_figures
}
overview() {
  "${ON_LOAD_CPUS[@]}" oha -n "${BENCH_LIST_REQUESTS:-500}" -c 4 --no-tui --output-format json -m POST \
    -H "Origin: $BASE" -H "Accept: application/json" -H "Cookie: $SESSION" \
    -T application/x-www-form-urlencoded "$BASE/api/keys_overview" | oha_figures
}
# Warm-up: the rows were just bulk-written; the first requests would read them from disk.
BENCH_LIST_REQUESTS=50 list_page "" >/dev/null
BENCH_LIST_REQUESTS=50 list_page "$DEEP_CURSOR" >/dev/null
figure list_first "$(list_page "")"
figure list_deep "$(list_page "$DEEP_CURSOR")"
figure list_overview "$(overview)"
"${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d2s -H "Authorization: Bearer $SMALL_KEY" "$BASE/v1/whoami" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  figure "big_org_$round" "$(run_wrk "$BASE" /v1/whoami "$AUTH")"
  figure "small_org_$round" "$(run_wrk "$BASE" /v1/whoami "Authorization: Bearer $SMALL_KEY")"
done

log "6. memory after random never-issued keys"
TOKENS="${BENCH_RANDOM_TOKENS:-1000000}"
python3 bench/make_tokens.py "$TOKENS" "$RUN_DIR/tokens.txt"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
RSS_BEFORE="$(rss_kb "${PIDS[0]}")"
# wrk has no request count: the script stops after one pass over the tokens and leaves
# a mark; wrk prints its summary when interrupted.
FLOOD_STARTED=$(date +%s.%N)
BENCH_TOKENS="$RUN_DIR/tokens.txt" BENCH_DONE="$RUN_DIR/flood.done" \
  "${ON_LOAD_CPUS[@]}" wrk -t1 -c32 -d"${BENCH_FLOOD_LIMIT_SECONDS:-1800}s" -s bench/wrk/tokens.lua "$BASE/v1/whoami" > "$RUN_DIR/flood.log" &
WRK=$!
while kill -0 "$WRK" 2>/dev/null && [ ! -e "$RUN_DIR/flood.done" ]; do sleep 1; done
kill -INT "$WRK" 2>/dev/null || true
wait "$WRK" || true
FLOOD_ELAPSED=$(python3 -c "import time; print(f'{time.time() - $FLOOD_STARTED:.0f}')")
FLOODED="$(grep -oE '^\s*[0-9]+ requests in' "$RUN_DIR/flood.log" | grep -oE '[0-9]+')"
figure flood "$TOKENS $FLOODED $FLOOD_ELAPSED $RSS_BEFORE $(rss_kb "${PIDS[0]}")"

mkdir -p bench/results
python3 bench/report_v1.py "$FIGURES" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" > bench/results/v1.md
cat bench/results/v1.md
