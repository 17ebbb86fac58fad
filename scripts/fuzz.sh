#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time each.
#
# usage: scripts/fuzz.sh [seconds per target, default 20] [target...]
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, coverage passes);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain of this project accept them.
# The build goes to a target folder in the per-user cache, so fresh clones
# (CI) reuse it: the first build on a machine takes ~10 min, later ones seconds.
#
# Each target starts from its committed seeds (fuzz/seeds/<target>/, which
# also hold the inputs of past crashes) plus the corpus earlier runs on this
# machine found (fuzz/corpus/<target>/, not committed). A crash stops the run
# and leaves the input in fuzz/artifacts/<target>/: turn it into a regression
# test in the normal suite and copy it into fuzz/seeds/<target>/.
set -euo pipefail

seconds="${1:-20}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(ticket_code city_config report_json photo multipart)

root="${PORTAL112_TOOLS:-$HOME/.cache/portal112/tools}"
export PATH="$root/bin:$PATH"
command -v cargo-fuzz >/dev/null || scripts/install-tools.sh fuzz
target_dir="$(dirname "$root")/fuzz-target"

cd fuzz
export RUSTC_BOOTSTRAP=1
mkdir -p artifacts
if ! cargo fuzz build --target-dir "$target_dir" >artifacts/build.log 2>&1; then
  cat artifacts/build.log >&2
  exit 1
fi
# One target per core at a time: each fuzzer is a single process, so the
# targets run side by side, each for the full time on a core of its own.
run_target() {
  local t="$1"
  # -timeout: one input may not take longer (a slow decode is a bug too);
  # -rss_limit_mb: nor use more memory than a small server has to spare.
  if cargo fuzz run --target-dir "$target_dir" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="artifacts/$t/" >"artifacts/$t/last-run.log" 2>&1; then
    echo passed >"artifacts/$t/result"
  else
    echo failed >"artifacts/$t/result"
  fi
}
cores="$(nproc)"
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  rm -f "artifacts/$t/result"
  printf '\033[1m[fuzz]\033[0m %s for %ss\n' "$t" "$seconds" >&2
  run_target "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$cores" ]; do wait -n || true; done
done
wait
failed=()
for t in "${targets[@]}"; do
  if [ "$(cat "artifacts/$t/result" 2>/dev/null)" = passed ]; then
    printf '%s: ' "$t" >&2
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^Done' "artifacts/$t/last-run.log" | tr '\n' ' ' >&2
    echo >&2
  else
    failed+=("$t")
    tail -n 40 "artifacts/$t/last-run.log" >&2
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
  exit 1
fi
