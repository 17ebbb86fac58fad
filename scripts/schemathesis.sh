#!/usr/bin/env bash
# Runs schemathesis (pinned, see install-tools.sh) against the OpenAPI document
# of a freshly started server: no answer may be a 5xx, and every answer must
# conform to the document (status code, content type, headers, body schema),
# with every check schemathesis has.
#
# usage: scripts/schemathesis.sh [max seconds per run, default 40]
#
# Every operation is tested. Two runs, because one operation cannot share a
# run with the others: DELETE /api/v1/staff/session (sign out) revokes the
# bearer token the whole run uses, so it gets a run of its own, last.
# One worker: with two, Hypothesis parses source in parallel threads, which
# CPython 3.11's parser does not survive every time ("AST constructor
# recursion depth mismatch", a runtime error of the tool, not of the API).
# The Open311 operations (tag open311) are in the document so that no route is
# undocumented, but they answer in the GeoReport v2 specification's own shapes,
# JSON or XML chosen by the path's extension, which the document names rather
# than describes as schemas; their tests are server/tests/it/open311.rs.
# The SSE stream GET /api/v1/tickets/{code}/events is included: for codes that
# name no ticket (all a generator can make) it answers at once.
set -euo pipefail

budget="${1:-40}"
cache="$(dirname "${PORTAL112_TOOLS:-$HOME/.cache/portal112/tools}")"
st="$cache/schemathesis-4.32.5/bin/schemathesis"
[ -x "$st" ] || scripts/install-tools.sh schemathesis
bin="${PORTAL112_BIN:-target/debug/portal112}"
[ -x "$bin" ] || cargo build --locked -p portal112-server

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

db="sqlite://$work/portal112.db"
printf 'kata-sandi-schemathesis\n' |
  "$bin" --database "$db" --config config/bitung.toml staff add --username st.admin --role admin 2>/dev/null
# Raised rate limits: schemathesis sends hundreds of requests from one address.
# The per-account sign-in lock stays as it is: its 429 is part of the document.
"$bin" --database "$db" --config config/bitung.toml serve --listen 127.0.0.1:0 --log-format json \
  --media "$work/media" --dist "$work/nodist" --report-rate 1000000 --login-rate 1000000 \
  >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/.*"message":"portal112 serving","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/server.log")"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start" >&2; cat "$work/server.log"; exit 1; }
base="http://127.0.0.1:$port"

token="$(curl -sf "$base/api/v1/staff/session" -H 'content-type: application/json' \
  -d '{"username":"st.admin","password":"kata-sandi-schemathesis"}' | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')"
[ -n "$token" ] || { echo "could not sign in" >&2; exit 1; }
# A ticket to look at, so ticket lookups also meet codes that exist.
curl -sf "$base/api/v1/reports" -H 'content-type: application/json' \
  -d '{"category":"sampah","description":"Sampah menumpuk.","location":{"lat":1.4472,"lng":125.1978}}' >/dev/null

config="$PWD/scripts/schemathesis.toml"
run() {
  # From the scratch folder, where schemathesis keeps its own state (.schemathesis/).
  (cd "$work" && "$st" --config-file "$config" run "$base/api/v1/openapi.json" --url "$base" \
    --checks all --max-time "$budget" --seed 112 --workers 1 --request-timeout 10 \
    --header "Authorization: Bearer $token" --warnings off "$@")
}
status=0
run --exclude-operation-id sign_out --exclude-tag open311 || status=$?
run --include-operation-id sign_out || status=$?
if grep -q '"level":"\(WARN\|ERROR\)".*"status":5' "$work/server.log"; then
  echo "the server logged 5xx answers:" >&2
  grep '"status":5' "$work/server.log" >&2
  status=1
fi
exit "$status"
