#!/usr/bin/env bash
# Outside checks of the /v1 contract, on the release server with a fresh PostgreSQL
# database: openapi-spec-validator on /v1/openapi.json, then schemathesis (PyPI, pinned)
# generating requests for every documented operation with a working key and running its
# checks (no 5xx, status codes, headers and bodies as documented, bad input refused, auth
# not ignored, deleted records gone; see below for the one left out).
#
# Usage: scripts/api-schema.sh [examples per operation]
#   make test: 20 (about a minute); make fuzz: 1000.
# Expects `cargo leptos build --release` to have run (make does it).
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES="${1:-20}"
SCHEMATHESIS_VERSION="4.32.5"
VALIDATOR_VERSION="0.9.0"
VENV="${KEYWARD_VENV:-$HOME/.cache/keyward-venv}"
log() { echo "[api-schema] $*" >&2; }

# Captured, not piped into `grep -q`: under pipefail an early-closed pipe reads as failure.
installed="$("$VENV/bin/schemathesis" --version 2>/dev/null || true) $("$VENV/bin/pip" show openapi-spec-validator 2>/dev/null || true)"
if [[ "$installed" != *"version $SCHEMATHESIS_VERSION"* || "$installed" != *"Version: $VALIDATOR_VERSION"* ]]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $VALIDATOR_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SERVER_BIN="${KEYWARD_SERVER_BIN:-$TARGET_DIR/release/server}"
[ -x "$SERVER_BIN" ] || { log "missing $SERVER_BIN: run make build first"; exit 1; }

ADMIN_URL="${KEYWARD_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB_NAME="kw_schema_$(date +%s)_$$"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RUN_DIR="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

psql "$ADMIN_URL" -qc "CREATE DATABASE $DB_NAME"
export DATABASE_URL="${ADMIN_URL%/*}/$DB_NAME"
export KEYWARD_DATA_DIR="$RUN_DIR/data"
KEYWARD_KEY_PEPPER="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export KEYWARD_KEY_PEPPER
# Quotas out of the way: schemathesis sends thousands of requests, some with bad keys.
export KEYWARD_RATE_LIMIT_BUSINESS=100000000 KEYWARD_FAILED_KEYS_PER_IP_PER_MINUTE=100000000 \
  KEYWARD_LEAK_REPORTS_PER_IP_PER_MINUTE=100000000

echo "a long schemathesis password" | "$SERVER_BIN" admin create-owner --org "Schema" --email schema@example.com >/dev/null
KEY="$("$SERVER_BIN" keys create --org schema --name schemathesis --mode test --scopes '*' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn "$SERVER_BIN" serve 2>"$RUN_DIR/server.log" &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RUN_DIR/server.log" >&2; exit 1; }
  sleep 0.2
done

curl -fsS "$BASE/v1/openapi.json" -o "$RUN_DIR/openapi.json"
log "openapi-spec-validator $VALIDATOR_VERSION"
"$VENV/bin/openapi-spec-validator" "$RUN_DIR/openapi.json"

# Every check but one: positive_data_acceptance wants every schema-valid body accepted,
# and JSON Schema cannot say all that the server checks (an https URL that parses, an
# e-mail with a dotted domain, names without control or invisible characters, a client
# that exists in the key's workspace). The reverse check, that schema-invalid input is
# refused, stays on.
log "schemathesis $SCHEMATHESIS_VERSION: $EXAMPLES examples per operation"
status=0
"$VENV/bin/schemathesis" run "$RUN_DIR/openapi.json" \
  --url "$BASE" \
  --header "Authorization: Bearer $KEY" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --max-examples "$EXAMPLES" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  log "schemathesis found problems (exit $status); server log:"
  grep -E "ERROR|WARN|panicked" "$RUN_DIR/server.log" | tail -40 >&2 || true
fi
exit "$status"
