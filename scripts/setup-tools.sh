#!/usr/bin/env bash
# Installs the build/test toolchain Keyward needs, idempotently: each tool is
# (re)installed only when the expected version is missing. See ../shared/GUIDE.md
# for why each version/flag is what it is.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION="0.3.10"
# wasm-opt: binaryen 116 (Debian's 108 breaks hydration, GUIDE.md), from the npm registry
# (scripts/binaryen: a WebAssembly build of binaryen run by Node, pinned by its lockfile),
# instead of `cargo install wasm-opt`, which compiles binaryen's C++ for about 6 minutes.
BINARYEN_DIR="${KEYWARD_BINARYEN_DIR:-$HOME/.cache/keyward-binaryen}"

log() { echo "[setup-tools] $*" >&2; }
# Each install says how long it took: the README's first-run table comes from these lines.
timed() { # <what> <command...>
  local what="$1"; shift
  local started=$SECONDS
  "$@"
  log "$what installed in $((SECONDS - started)) s"
}

# Build the tools in a directory of their own: installing them in the project's target
# directory would hold its cargo lock for the whole install and block every other build.
export CARGO_TARGET_DIR="${KEYWARD_TOOLS_TARGET_DIR:-$HOME/.cache/keyward-tools-target}"

have_version() { # <command...> -- <expected substring>
  local expected="${*: -1}"; local cmd=("${@:1:$#-1}")
  "${cmd[@]}" 2>/dev/null | grep -q -- "$expected"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! have_version cargo leptos --version "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 25 minutes on 2 cores)"
  timed cargo-leptos cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock.
if [ -f Cargo.lock ]; then
  WB_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)"
else
  WB_VERSION="${WASM_BINDGEN_VERSION:-0.2.130}"
fi
if ! have_version wasm-bindgen --version "wasm-bindgen $WB_VERSION"; then
  log "installing wasm-bindgen-cli $WB_VERSION (about 3 minutes)"
  # --locked fails on a yanked dependency of this release (GUIDE.md).
  timed wasm-bindgen-cli cargo install "wasm-bindgen-cli@$WB_VERSION" --force
fi

install_wasm_opt() {
  mkdir -p "$BINARYEN_DIR"
  cp scripts/binaryen/package.json scripts/binaryen/package-lock.json "$BINARYEN_DIR/"
  (cd "$BINARYEN_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  local bin_dir; bin_dir="$(dirname "$(command -v cargo)")"
  printf '#!/bin/sh\n# binaryen 116 from npm (scripts/setup-tools.sh)\nexec node "%s/node_modules/binaryen/bin/wasm-opt" "$@"\n' \
    "$BINARYEN_DIR" > "$bin_dir/wasm-opt"
  chmod +x "$bin_dir/wasm-opt"
}
if ! have_version wasm-opt --version "version 116"; then
  log "installing wasm-opt (binaryen 116 from npm, seconds)"
  timed wasm-opt install_wasm_opt
fi
log "rust tools ready"
