#!/usr/bin/env bash
# What the main WASM module is made of, by crate and by function: twiggy over the release
# build's WASM as cargo (and the splitter) wrote it (before wasm-bindgen and wasm-opt, which drop the names
# section), so every item keeps its name. Shares are of that file; wasm-opt shrinks all
# parts. Writes bench/results/wasm-profile.md. Needs a `make build` first.
# Usage: bench/wasm_profile.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
BUILT="$TARGET_DIR/front/wasm32-unknown-unknown/wasm-release"
# With `--split` the main module (what the first page loads) is frontend_split.wasm;
# frontend.wasm still holds every page.
WASM="$BUILT/frontend_split.wasm"
[ -f "$WASM" ] || WASM="$BUILT/frontend.wasm"
[ -f "$WASM" ] || { echo "missing $WASM: run make build first" >&2; exit 1; }
ROWS="${1:-25}"
OUT=bench/results/wasm-profile.md

if ! command -v twiggy >/dev/null; then
  echo "[wasm-profile] installing twiggy (once)" >&2
  CARGO_TARGET_DIR="$HOME/.cache/keyward-tools-target" cargo install twiggy --locked
fi

# Code and data items summed per crate: the first path segment, or for `<T as Trait>::f`
# the trait's crate (generic code instantiated for the app's types counts there). The
# names subsection and wasm-bindgen's custom section are left out: neither is shipped.
by_crate() {
  twiggy top -n 1000000 --format csv "$WASM" | python3 -c '
import csv, re, sys, collections
sizes = collections.Counter()
total = 0
segment = r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::"
for row in csv.DictReader(sys.stdin):
    name, size = row["Name"], int(row["ShallowSize"])
    if "function names" in name or name.startswith("custom section"):
        continue
    total += size
    match = re.match(r"<.*? as " + segment, name) if name.startswith("<") else None
    match = match or re.match(r"[<&\s]*(?:dyn\s+|mut\s+)?" + segment, name)
    sizes[match.group(1) if match else "(data, tables, unnamed)"] += size
rows = int(sys.argv[1])
print("| crate | bytes | share |")
print("| --- | ---: | ---: |")
for crate, size in sizes.most_common(rows):
    print(f"| `{crate}` | {size:,} | {100 * size / total:.1f} % |")
print(f"| **total shipped** | **{total:,}** | |")
' "$ROWS"
}

{
  echo "# WASM profile"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
  echo "- File: \`$WASM\` ($(stat -c %s "$WASM") bytes, before wasm-bindgen and wasm-opt)"
  echo
  echo "## By crate"
  echo
  by_crate
  echo
  echo "## Largest items"
  echo
  echo '```'
  twiggy top -n "$ROWS" "$WASM"
  echo '```'
} > "$OUT"
cat "$OUT"
