#!/usr/bin/env bash
# `make fuzz`, part 2: the `/v1` Authorization header and the key format under libFuzzer
# (cargo fuzz with --sanitizer none, which needs no nightly toolchain), each target for a
# bounded time. The corpus in server/fuzz/corpus/ is kept in git and grows with each run;
# a crash stops the run, leaves its input in server/fuzz/artifacts/ and fails the target.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
CARGO_FUZZ_VERSION="0.13.1"
log() { echo "[fuzz] $*" >&2; }

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
  CARGO_TARGET_DIR="${KEYWARD_TOOLS_TARGET_DIR:-$HOME/.cache/keyward-tools-target}" \
    cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked
fi

# The fuzz crate is a workspace of its own; its build goes beside the project's.
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")/fuzz"
REPORT="server/fuzz/last-run.txt"
: > "$REPORT"
cd server
for target in key_format authorization_header; do
  mkdir -p "fuzz/corpus/$target"
  log "$target: ${SECONDS_PER_TARGET}s"
  cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 2> "fuzz/$target.log" || {
      tail -40 "fuzz/$target.log" >&2
      log "$target FAILED (input saved under server/fuzz/artifacts/$target/)"
      exit 1
    }
  runs="$(grep -oP 'stat::number_of_executed_units:\s*\K\d+' "fuzz/$target.log" | tail -1)"
  edges="$(grep -oP ' cov: \K\d+' "fuzz/$target.log" | tail -1)"
  corpus="$(find "fuzz/corpus/$target" -type f | wc -l)"
  echo "$target: ${runs:-?} executions in ${SECONDS_PER_TARGET}s, 0 crashes, ${edges:-?} coverage edges, corpus $corpus inputs" | tee -a "../$REPORT"
  rm -f "fuzz/$target.log"
done
