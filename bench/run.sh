#!/usr/bin/env bash
# `make bench`: every benchmark, written to bench/RESULTS.md.
#
#   1. bundle      bench/bundle.sh      sizes of dist/, first view against the budget
#   2. API load    bench/load.py        oha against the portal and nginx, same run
#   3. postgres    bench/load.py --compare-backends   the API over SQLite and over a
#                  throw-away PostgreSQL (scripts/with-postgres.sh), same run
#   3b. webhooks   bench/webhooks.py    deliveries per second to a local receiver, and
#                  ticket reads and report creations while a receiver hangs vs
#                  without webhooks
#   3c. open       bench/open.py        10,000 tickets on SQLite and PostgreSQL: the public
#                  map's answer (brotli bytes, latency), nearby p99, statistics p99
#                  (cached) and computed afresh
#   4. Lighthouse  bench/lighthouse.py  mobile performance of /, /lapor, /lacak/{code}, /video
#   5. konsol      the browser test that takes a 112 call by keyboard alone in
#                  Konsol 112 (tests/tests/console.rs), run $rounds times: seconds
#                  and actions from the first key to the forwarded ticket
#
# BENCH picks steps (default all): e.g. `BENCH=postgres bench/run.sh` or
# `BENCH="load postgres"`. Sections of steps not run are kept from the
# previous bench/RESULTS.md, marked with a note.
#
# Expects the release app (dist/) and server (target/release/portal112) and
# the bench tools (scripts/install-tools.sh bench); `make bench` sees to all
# three. Each step runs even when an earlier one failed; the exit status is
# non-zero when any step failed or the first view is over its budget.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="${PORTAL112_TOOLS:-$HOME/.cache/portal112/tools}"
cache="$(dirname "$tools")"
export PATH="$tools/bin:$PATH"
lighthouse="$cache/lighthouse-12.2.3/node_modules/.bin/lighthouse"
bin="${PORTAL112_BIN:-target/release/portal112}"
seconds="${BENCH_SECONDS:-8}"
rounds="${BENCH_ROUNDS:-3}"
out=bench/RESULTS.md
parts="$(mktemp -d)"
trap 'rm -rf "$parts"' EXIT
steps=" ${BENCH:-bundle load postgres webhooks open lighthouse konsol} "
wants() { [[ "$steps" == *" $1 "* ]]; }

# keep FILE HEADING: the section of the previous results under HEADING (up to
# the next "## "), for a step not run this time.
keep() {
  local file="$1" heading="$2"
  if [ -f "$out" ] && grep -qxF "$heading" "$out"; then
    # The marker is written once, however many runs in a row keep the section.
    awk -v h="$heading" -v k="_Kept from the previous run (not re-run this time)._" '
      $0 == h { on = 1; print; print ""; print k; print ""; skip = 1; next }
      on && /^## / { on = 0 }
      on && skip && ($0 == "" || $0 == k) { next }
      on { skip = 0; print }' "$out" >"$file"
  else
    printf '%s\n\nNot run.\n\n' "$heading" >"$file"
  fi
}

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
version() { "$@" 2>&1 | head -n 1; }

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
cat >"$parts/0-head.md" <<EOF
# Benchmark results

Written by \`make bench\` (\`bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC') at commit $commit.
Reproduce with \`make bench\`; \`BENCH_SECONDS\` and \`BENCH_ROUNDS\` change the length of the load runs,
\`BENCH\` picks steps (steps run this time: $(echo $steps)).

## Machine

| | |
|---|---|
| CPUs (\`nproc\`) | $(nproc) |
| CPU model | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) |
| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |
| system | $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r) |
| load average before the run | $(cut -d' ' -f1-3 /proc/loadavg) |
| rustc | $(version rustc --version) |
| oha | $(version oha --version) |
| nginx | $(version nginx -v) |
| Chromium | $(chromium --version 2>/dev/null | grep -i chromium | head -n 1) |
| Node.js | $(version node --version) |

Load generator, servers and browser share these cores: compare the ratios
measured within one run, not absolute figures across machines or runs.

EOF

status=0
if wants bundle; then
  say "bundle"
  bundle=0
  bench/bundle.sh dist >"$parts/1-bundle.md" || bundle=$?
  if [ "$bundle" -eq 3 ]; then
    say "the first view is over its budget (see bench/RESULTS.md)"
    status=1
  elif [ "$bundle" -ne 0 ]; then
    printf '## Bundle\n\nFailed (exit %s).\n\n' "$bundle" >"$parts/1-bundle.md"
    status=1
  fi
else
  keep "$parts/1-bundle.md" "## Bundle"
fi

if wants load; then
  say "API load (about $(( (9 * rounds + rounds) * seconds / 60 + 1 )) min)"
  if ! python3 bench/load.py --bin "$bin" --oha "$(command -v oha)" --seconds "$seconds" --rounds "$rounds" \
      >"$parts/2-load.md"; then
    printf '## API load\n\nFailed: see the output of `make bench`.\n\n' >"$parts/2-load.md"
    status=1
  fi
else
  keep "$parts/2-load.md" "## API load"
fi

if wants postgres; then
  say "API load, SQLite and PostgreSQL (about $(( 12 * rounds * seconds / 60 + 1 )) min)"
  if ! scripts/with-postgres.sh python3 bench/load.py --compare-backends --bin "$bin" --oha "$(command -v oha)" \
      --seconds "$seconds" --rounds "$rounds" >"$parts/2b-postgres.md"; then
    printf '## API load: SQLite and PostgreSQL\n\nFailed: see the output of `make bench`.\n\n' >"$parts/2b-postgres.md"
    status=1
  fi
else
  keep "$parts/2b-postgres.md" "## API load: SQLite and PostgreSQL"
fi

if wants webhooks; then
  say "webhooks (about $(( 4 * rounds * seconds / 60 + 1 )) min)"
  if ! python3 bench/webhooks.py --bin "$bin" --oha "$(command -v oha)" --seconds "$seconds" --rounds "$rounds" \
      >"$parts/2c-webhooks.md"; then
    printf '## Webhooks\n\nFailed: see the output of `make bench`.\n\n' >"$parts/2c-webhooks.md"
    status=1
  fi
else
  keep "$parts/2c-webhooks.md" "## Webhooks"
fi

if wants open; then
  say "open data: 10,000 tickets, SQLite and PostgreSQL (about $(( 6 * seconds / 60 + 3 )) min)"
  if ! scripts/with-postgres.sh python3 bench/open.py --bin "$bin" --oha "$(command -v oha)" --seconds "$seconds" \
      >"$parts/2c-open.md"; then
    printf '## Open data: map, nearby, statistics over 10,000 tickets\n\nFailed: see the output of `make bench`.\n\n' >"$parts/2c-open.md"
    status=1
  fi
else
  keep "$parts/2c-open.md" "## Open data: map, nearby, statistics over 10,000 tickets"
fi

if wants lighthouse; then
  say "Lighthouse"
  if ! python3 bench/lighthouse.py --bin "$bin" --dist dist --lighthouse "$lighthouse" --rounds "$rounds" \
      >"$parts/3-lighthouse.md"; then
    printf '## Lighthouse\n\nFailed: see the output of `make bench`.\n\n' >"$parts/3-lighthouse.md"
    status=1
  fi
else
  keep "$parts/3-lighthouse.md" "## Lighthouse"
fi

if wants konsol; then
  say "Konsol 112: a phone call by keyboard"
  {
    printf '## Konsol 112: a 112 call to a forwarded ticket, keyboard only\n\n'
    printf 'The browser test `an_operator_takes_a_call_to_a_forwarded_ticket_by_keyboard_alone`\n'
    printf '(real Chromium, the release apps from dist/, the server in-process) run %s times.\n' "$rounds"
    printf 'Goal (NFPA 1225: answering to dispatching): at most 60 s and 25 actions (a key press or a\n'
    printf 'field typed). The script types at machine speed: the time shows what the console costs, not\n'
    printf 'how fast a person types.\n\n'
    printf '| run | seconds | actions |\n|---:|---:|---:|\n'
  } >"$parts/4-konsol.md"
  for run in $(seq 1 "$rounds"); do
    rm -f target/konsol-intake.json
    if cargo test --locked --workspace --test console -- --exact \
        an_operator_takes_a_call_to_a_forwarded_ticket_by_keyboard_alone >/dev/null 2>&1 \
        && [ -f target/konsol-intake.json ]; then
      python3 -c 'import json,sys; m=json.load(open("target/konsol-intake.json")); print("| %s | %.1f | %d |" % (sys.argv[1], m["seconds"], m["actions"]))' "$run" >>"$parts/4-konsol.md"
    else
      printf '| %s | failed | |\n' "$run" >>"$parts/4-konsol.md"
      status=1
    fi
  done
  printf '\n' >>"$parts/4-konsol.md"
else
  keep "$parts/4-konsol.md" "## Konsol 112: a 112 call to a forwarded ticket, keyboard only"
fi

cat "$parts"/*.md >"$out"
say "wrote $out"
exit "$status"
