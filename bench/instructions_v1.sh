#!/usr/bin/env bash
# Instructions per request for /v1/whoami with authentication and for the same handler
# without it (the `bench` build's /v1/bench/whoami), counted by valgrind's callgrind:
# unlike req/s, instruction counts do not move with whatever else the machine is doing,
# so this ratio repeats from run to run. A server of its own runs under callgrind against
# the benchmark's database; collection is switched on only around each batch of requests.
# Usage: bench/instructions_v1.sh <server binary> <key> <output dir>
#   → "auth_ir open_ir requests sha_ir": totals over each batch, and the instructions the
#   authenticated batch spent in SHA-256. valgrind's virtual CPU has no SHA extensions, so
#   under callgrind the keyed hash runs sha2's portable code (about 10,000 instructions a
#   request) where the real CPU uses its SHA instructions; sha_ir lets a report say so.
# (DATABASE_URL, KEYWARD_* and the CPU pinning come from the caller's environment.)
set -euo pipefail

SERVER_BIN="$1" KEY="$2" OUT="$3"
REQUESTS="${BENCH_CALLGRIND_REQUESTS:-5000}"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$OUT"
rm -f "$OUT"/callgrind.out.*

LEPTOS_SITE_ADDR="127.0.0.1:$PORT" valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$OUT/callgrind.out.%p" "$SERVER_BIN" serve 2>"$OUT/valgrind.log" &
VALGRIND=$!
trap 'kill "$VALGRIND" 2>/dev/null || true; wait "$VALGRIND" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null || { tail -20 "$OUT/valgrind.log" >&2; exit 1; }

batch() { # <path> <requests>: every answer must be a 200
  oha -n "$2" -c 4 --no-tui --output-format json -H "Authorization: Bearer $KEY" "$BASE$1" |
    python3 -c '
import json, sys
codes = json.load(sys.stdin).get("statusCodeDistribution", {})
assert set(codes) == {"200"}, codes'
}
batch /v1/whoami 500
batch /v1/bench/whoami 500
callgrind_control -z "$VALGRIND" >/dev/null 2>&1
callgrind_control -i on "$VALGRIND" >/dev/null 2>&1
batch /v1/whoami "$REQUESTS"
callgrind_control -d auth "$VALGRIND" >/dev/null 2>&1
batch /v1/bench/whoami "$REQUESTS"
callgrind_control -d open "$VALGRIND" >/dev/null 2>&1
callgrind_control -i off "$VALGRIND" >/dev/null 2>&1

total_ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'; }
sha_ir() {
  callgrind_annotate --inclusive=no --threshold=100 --auto=no "$1" 2>/dev/null |
    awk '/sha2::sha256/ {gsub(",", "", $1); sum += $1} END {print sum + 0}'
}
AUTH_FILE="$(ls "$OUT"/callgrind.out.*.1)"
OPEN_FILE="$(ls "$OUT"/callgrind.out.*.2)"
echo "$(total_ir "$AUTH_FILE") $(total_ir "$OPEN_FILE") $REQUESTS $(sha_ir "$AUTH_FILE")"
