#!/usr/bin/env bash
# System dependencies for `make test`: Debian's Chromium (Playwright cannot
# download browsers here) and a reachable PostgreSQL. Idempotent and quick
# when everything is already present.
set -euo pipefail

log() { echo "[setup-system] $*" >&2; }
SUDO=""; if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

if ! [ -x /usr/bin/chromium ]; then
  log "installing Debian chromium"
  apt_install chromium
fi

PGHOST_ADDR="${KEYWARD_TEST_PG_HOST:-127.0.0.1}"
pg_ready() { pg_isready -q -h "$PGHOST_ADDR" -p 5432 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null; then
  log "installing PostgreSQL"
  apt_install postgresql
fi
if ! pg_ready; then
  log "starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
pg_ready || { log "PostgreSQL is not reachable on $PGHOST_ADDR:5432"; exit 1; }

# A fresh Debian install has peer/password auth and no `root` role; the tests
# connect as postgres/postgres over TCP. Make that work if it does not yet.
if ! psql "postgres://postgres:postgres@$PGHOST_ADDR:5432/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
  log "setting a password for the postgres role"
  $SUDO -u postgres psql -qc "alter role postgres with password 'postgres'" 2>/dev/null \
    || su postgres -c "psql -qc \"alter role postgres with password 'postgres'\""
fi
log "system ready"
