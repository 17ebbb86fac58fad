#!/usr/bin/env bash
# Tries deploy/nginx.conf for real: two portal instances over one throw-away
# PostgreSQL database behind Debian's nginx, and requests through nginx only.
#
#   scripts/deploy-smoke.sh            (uses target/release/portal112)
#   PORTAL112_BIN=target/debug/portal112 scripts/deploy-smoke.sh
#
# Checks: both instances answer through nginx; a report, its ticket view and
# an Idempotency-Key retry; a status change made through nginx reaches an SSE
# tracker through nginx at once (no buffering); the report limit counts over
# both instances by the address nginx passes on; a hashed app file is kept by
# nginx's cache and index.html is not (when dist/ is built). Prints what it sees; exits non-zero on
# the first thing that does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PORTAL112_TEST_PG:-}" ]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi

bin="$(realpath "${PORTAL112_BIN:-target/release/portal112}")"
[ -x "$bin" ] || { echo "no $bin: cargo build --release -p portal112-server" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/portal112-deploy.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\033[1m[deploy]\033[0m %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

psql -q "$PORTAL112_TEST_PG/postgres" -c "CREATE DATABASE portal112"
export DATABASE_URL="$PORTAL112_TEST_PG/portal112"
password="kata-sandi-rahasia-112"
printf '%s\n' "$password" | "$bin" --config config/bitung.toml staff add --username operator.sari --role operator

dist=dist
[ -f dist/index.html ] || dist="$work/nodist"
ports=()
for i in 1 2; do
  port="$(free_port)"
  ports+=("$port")
  "$bin" --config config/bitung.toml serve --listen "127.0.0.1:$port" --trust-proxy --report-rate 3 \
    --dist "$dist" --media "$work/media" --log-format json >"$work/portal-$i.log" 2>&1 &
  pids+=("$!")
done
for i in 1 2; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:${ports[$((i - 1))]}/healthz" >/dev/null && break; sleep 0.1; done
done

front="$(free_port)"
mkdir -p "$work/nginx/tmp" "$work/nginx/cache"
sed -e "s/listen 80;/listen 127.0.0.1:$front;/" \
    -e "s/127.0.0.1:8081/127.0.0.1:${ports[0]}/" -e "s/127.0.0.1:8082/127.0.0.1:${ports[1]}/" \
    deploy/nginx.conf >"$work/nginx/nginx.conf"
# Started as root, nginx's workers run as nobody: let them use the folder.
chmod -R a+rwX "$work/nginx"
chmod a+x "$work"
nginx -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx/"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx/" -g 'daemon off;' 2>"$work/nginx.log" &
pids+=("$!")
base="http://127.0.0.1:$front"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
say "nginx $(nginx -v 2>&1 | sed 's/.*\///') on $base in front of 127.0.0.1:${ports[0]} and 127.0.0.1:${ports[1]}"

report='{"category":"banjir","description":"Air setinggi lutut menggenangi jalan di depan pasar.","location":{"lat":1.4472,"lng":125.1978}}'
created="$(curl -fs -X POST "$base/api/v1/reports" -H 'content-type: application/json' \
  -H 'idempotency-key: 6f1c2a9e-0b7d-4c3e-8a51-2d4e6f8a0b1c' -d "$report")"
code="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])' <<<"$created")"
say "report made: $code"
retry="$(curl -fs -X POST "$base/api/v1/reports" -H 'content-type: application/json' \
  -H 'idempotency-key: 6f1c2a9e-0b7d-4c3e-8a51-2d4e6f8a0b1c' -D - -o /dev/null -d "$report")"
grep -qi '^idempotent-replayed: true' <<<"$retry" || fail "the retry was not recognised"
say "the retry with its Idempotency-Key returned the same ticket"

for _ in 1 2 3 4 5 6; do curl -fs "$base/api/v1/tickets/$code" >/dev/null; done
for i in 1 2; do
  served="$(grep -c '"path":"/api/v1/tickets/' "$work/portal-$i.log" || true)"
  say "instance $i served $served of the 6 ticket reads"
done

curl -sN "$base/api/v1/tickets/$code/events" >"$work/sse.txt" &
sse=$!
pids+=("$sse")
sleep 0.5
token="$(curl -fs -X POST "$base/api/v1/staff/session" -H 'content-type: application/json' \
  -d "{\"username\":\"operator.sari\",\"password\":\"$password\"}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
started="$(date +%s%N)"
curl -fs -X POST "$base/api/v1/staff/tickets/$code/events" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{"status":"verified","public_note":"Petugas menuju lokasi."}' >/dev/null
until grep -q '^id: 2$' "$work/sse.txt"; do
  [ $(( ($(date +%s%N) - started) / 1000000 )) -lt 2000 ] || fail "no SSE event through nginx within 2 s"
  sleep 0.01
done
say "status change -> SSE event through nginx: $(( ($(date +%s%N) - started) / 1000000 )) ms"
kill "$sse" 2>/dev/null || true
[ "$(curl -fs "$base/api/v1/tickets/$code" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')" = verified ] \
  || fail "a ticket read after the change did not show it"

# The report limit (3 a minute here) counts over both instances, by the
# address nginx passes on; the report and the retry above used two.
statuses=()
for _ in 1 2 3; do
  statuses+=("$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/reports" \
    -H 'content-type: application/json' -d "$report")")
done
say "three more reports through nginx: ${statuses[*]}"
[ "${statuses[*]}" = "201 429 429" ] || fail "expected 201 429 429"

if [ "$dist" = dist ]; then
  asset="/$(cd dist && ls main-*.css 2>/dev/null | grep -v '\.\(br\|gz\)$' | head -n 1)"
  first="$(curl -fs -o /dev/null -D - "$base$asset" | tr -d '\r' | sed -n 's/^x-cache: //Ip')"
  second="$(curl -fs -o /dev/null -D - "$base$asset" | tr -d '\r' | sed -n 's/^x-cache: //Ip')"
  say "$asset through nginx: $first, then $second"
  [ "$second" = HIT ] || fail "nginx did not keep the hashed file"
  curl -fs -o /dev/null "$base/"
  index="$(curl -fs -o /dev/null -D - "$base/" | tr -d '\r' | sed -n 's/^x-cache: //Ip')"
  say "/ (index.html, no-cache) asked twice: $index the second time"
  [ "$index" != HIT ] || fail "nginx kept index.html, which must follow a new build at once"
fi

say "all good"
