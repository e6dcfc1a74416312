#!/usr/bin/env bash
# Runs the Playwright suite against the release server on a free port, with a fresh
# PostgreSQL database that is dropped afterwards. Expects `cargo leptos build --release`
# to have run (make e2e does it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SERVER_BIN="${KEYWARD_SERVER_BIN:-$TARGET_DIR/release/server}"
SITE_ROOT="target/site"
[ -x "$SERVER_BIN" ] || { echo "missing $SERVER_BIN: run make build first" >&2; exit 1; }
[ -f "$SITE_ROOT/pkg/keyward.wasm" ] || { echo "missing $SITE_ROOT/pkg/keyward.wasm: run make build first" >&2; exit 1; }

ADMIN_URL="${KEYWARD_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB_NAME="kw_e2e_$(date +%s)_$$"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RUN_DIR="$(mktemp -d)"
LOG="$RUN_DIR/server.log"
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  mkdir -p "$ROOT/end2end/test-results" && cp "$LOG" "$ROOT/end2end/test-results/server.log" 2>/dev/null || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

psql "$ADMIN_URL" -qc "CREATE DATABASE $DB_NAME"
# The specs run the admin CLI against the same database and pepper (to set up
# members, other plans and keys), so these are exported to them as well.
export DATABASE_URL="${ADMIN_URL%/*}/$DB_NAME"
export KEYWARD_DATA_DIR="$RUN_DIR/data"
KEYWARD_KEY_PEPPER="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export KEYWARD_KEY_PEPPER
# The signal detector looks every 2 s (not every minute), so the signals spec waits
# seconds for its badge; alerts go out every 250 ms, to the alerts spec's receiver on
# loopback (a setting for tests only, refused when KEYWARD_ENV=production).
KEYWARD_SIGNAL_SCAN_SECS=2 \
KEYWARD_ALERT_DELIVERY_MS=250 \
KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS=true \
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
LEPTOS_SITE_ROOT="$SITE_ROOT" \
RUST_LOG="${RUST_LOG:-info}" \
  "$SERVER_BIN" serve 2>"$LOG" &
SERVER_PID=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$LOG" >&2; echo "server exited" >&2; exit 1; fi
  sleep 0.2
done

SERVER_BIN_PATH="$(realpath "$SERVER_BIN")"
cd end2end
KEYWARD_E2E_BASE_URL="http://127.0.0.1:$PORT" KEYWARD_E2E_SERVER_LOG="$LOG" \
KEYWARD_E2E_SERVER_BIN="$SERVER_BIN_PATH" \
  npx playwright test "$@"
