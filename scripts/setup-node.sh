#!/usr/bin/env bash
# Installs the Playwright suite's node modules from the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/../end2end"
if [ ! -d node_modules/@playwright/test ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
