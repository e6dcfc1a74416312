#!/usr/bin/env bash
# Benchmark item 4 by hand: one bench server whose argon2 threads stay at nice +10
# (`nice`), or are moved to nice 19 (`nice19`) or SCHED_IDLE (`idle`) while it runs; p99
# of /v1 at a fixed rate alone and while 20 sign-ins run, 3 rounds.
# Usage: bench/hashing_policy.sh <policy> [hashing threads]   (RATE=req/s, default 38000)
# Needs the bench server that scripts/bench-api.sh builds.
set -euo pipefail
cd "$(dirname "$0")/.."
POLICY="${1:-nice}"  # nice | idle
THREADS="${2:-1}"
RATE="${RATE:-38000}"
SERVER_BIN="${CARGO_TARGET_DIR:-target}/bench/release/server"
ADMIN_URL="${KEYWARD_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB_NAME="kw_exp_$(date +%s)_$$"
RUN_DIR="$(mktemp -d)"
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB_NAME" >/dev/null
export DATABASE_URL="${ADMIN_URL%/*}/$DB_NAME" KEYWARD_DATA_DIR="$RUN_DIR/data"
export KEYWARD_KEY_PEPPER="bench-pepper-0123456789abcdef0123456789"
export KEYWARD_RATE_LIMIT_BUSINESS=1000000000 KEYWARD_FAILED_KEYS_PER_IP_PER_MINUTE=1000000000
export KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT=100000 KEYWARD_LOGIN_ATTEMPTS_PER_IP=100000 RUST_LOG=warn
echo "bench password with spaces" | "$SERVER_BIN" admin create-owner --org "Bench" --email bench@example.com >/dev/null
KEY="$("$SERVER_BIN" keys create --org bench --name bench --mode live --scopes '*' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
KEYWARD_PASSWORD_HASHING_THREADS=$THREADS LEPTOS_SITE_ADDR="127.0.0.1:$PORT" "$SERVER_BIN" serve 2>"$RUN_DIR/log" &
PID=$!
trap 'kill $PID; wait $PID 2>/dev/null; psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"; rm -rf "$RUN_DIR"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
for task in /proc/$PID/task/*; do
  if grep -q keyward-argon2 "$task/comm"; then
    case "$POLICY" in
      idle) chrt -i -p 0 "$(basename "$task")" ;;
      nice19) renice -n 19 -p "$(basename "$task")" >/dev/null ;;
    esac
    echo "argon2 thread $(basename "$task"): nice $(ps -o ni= -L -p $PID | sort -u | tr '\n' ' ')" >&2
  fi
done
BASE="http://127.0.0.1:$PORT"
wrk -t1 -c32 -d2s -H "Authorization: Bearer $KEY" "$BASE/v1/whoami" >/dev/null
p99() { python3 -c 'import json,sys; s=json.load(sys.stdin); print(round(s["latencyPercentiles"]["p99"]*1000,3))'; }
fixed() { oha -z 10s -q "$RATE" -c 32 --latency-correction --no-tui --output-format json -H "Authorization: Bearer $KEY" "$BASE/v1/whoami" | p99; }
for round in 1 2 3; do
  alone=$(fixed)
  (sleep 1; oha -n 20 -c 20 --no-tui --output-format json -m POST -H "Origin: $BASE" -H "Accept: application/json" -T application/x-www-form-urlencoded -d "email=bench%40example.com&password=bench+password+with+spaces" "$BASE/api/login" > "$RUN_DIR/s.json") &
  SIGNING=$!
  loaded=$(fixed)
  wait "$SIGNING"
  signin=$(python3 -c 'import json; s=json.load(open("'"$RUN_DIR/s.json"'")); p=s["latencyPercentiles"]; print(round(p["p50"]*1000), round(p["p99"]*1000), s.get("statusCodeDistribution"))')
  echo "$POLICY threads=$THREADS round $round: alone $alone ms, with sign-ins $loaded ms, ratio $(python3 -c "print(round($loaded/$alone,2))"), sign-ins p50/p99 ms $signin"
done
