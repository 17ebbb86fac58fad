#!/usr/bin/env bash
# Runs a command next to a throw-away PostgreSQL cluster, then removes it.
#
#   scripts/with-postgres.sh cargo test --locked -p portal112-server
#
# The cluster lives in a temporary folder, listens on a free port of
# 127.0.0.1 and on a socket in that folder only, trusts local connections
# (nothing else can reach it) and is gone when the command ends, however it
# ends. The command sees its address as PORTAL112_TEST_PG, e.g.
# postgres://postgres@127.0.0.1:41234 (a server URL without a database: each
# test creates and drops its own).
#
# Needs Debian's `postgresql` (initdb, pg_ctl, postgres), which
# `scripts/install-tools.sh test` installs. PostgreSQL refuses to run as root:
# as root, the cluster runs as the `postgres` system user the package made.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin)." >&2
  echo "Install them with: scripts/install-tools.sh test   (Debian package 'postgresql')" >&2
  exit 1
fi

say() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/portal112-pg.XXXXXX")"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "throw-away cluster in $dir on 127.0.0.1:$port"
"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# Tests run several servers at once, each with a pool: room for them all.
# fsync stays on: the durability the tests rely on is the real one.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300 -c shared_buffers=64MB" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export PORTAL112_TEST_PG="postgres://postgres@127.0.0.1:$port"
status=0
"$@" || status=$?
exit "$status"
