#!/usr/bin/env bash
# ctest: runs a fuzz target for SECONDS on its seeds; a crash, leak, hang or sanitizer report
# fails the test.   run_seeds.sh FUZZ_BUILD_DIR SECONDS [TARGET SEED_DIR...]
# Without TARGET: the .rci decoder on seeds freshly made by make_seeds. The seed folders are only
# read: what the fuzzer finds goes to a temporary folder.
set -euo pipefail
build=$1 seconds=$2
target=${3:-fuzz_rci_decoder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/found"
if (($# > 3)); then
  seeds=("${@:4}")
else
  "$build/make_seeds" "$work/seeds"
  seeds=("$work/seeds")
fi
"$build/$target" "$work/found" "${seeds[@]}" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" 2>&1 | tail -4
