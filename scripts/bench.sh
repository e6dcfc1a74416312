#!/usr/bin/env bash
# `make bench`: starts the release server on a throwaway SQLite database and writes the
# figures to bench/results/latest.md (sign-in), bundle.md (bytes of the front end) and
# api.md. Ratios within one run are what to compare.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SERVER_BIN="$TARGET_DIR/release/server"
[ -x "$SERVER_BIN" ] || { echo "missing $SERVER_BIN: run make build first" >&2; exit 1; }
RUN_DIR="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$RUN_DIR/bench.db?mode=rwc"
export KEYWARD_DATA_DIR="$RUN_DIR/data"
export KEYWARD_KEY_PEPPER="bench-pepper-0123456789abcdef0123456789"
export KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT=100000
export KEYWARD_LOGIN_ATTEMPTS_PER_IP=100000
export RUST_LOG=warn
PASSWORD="bench password with spaces"
echo "$PASSWORD" | "$SERVER_BIN" admin create-owner --org "Bench" --email bench@example.com >/dev/null
VALID_KEY="$("$SERVER_BIN" keys create --org bench --name bench --mode live --scopes '*' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"
REVOKED="$("$SERVER_BIN" keys create --org bench --name revoked --mode live --scopes '*' \
  | python3 -c 'import json, sys; k = json.load(sys.stdin); print(k["id"], k["secret"])')"
"$SERVER_BIN" keys revoke "${REVOKED%% *}" >/dev/null
REVOKED_KEY="${REVOKED##* }"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" "$SERVER_BIN" serve 2>"$RUN_DIR/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

mkdir -p bench/results
python3 bench/login_timing.py "http://127.0.0.1:$PORT" bench@example.com "$PASSWORD" bench/results/latest.md "${BENCH_ROUNDS:-40}"
python3 bench/bundle_weight.py "http://127.0.0.1:$PORT" bench/results/bundle.md
python3 bench/api_timing.py "http://127.0.0.1:$PORT" "$VALID_KEY" "$REVOKED_KEY" bench/results/api.md "${BENCH_API_ROUNDS:-200}"
