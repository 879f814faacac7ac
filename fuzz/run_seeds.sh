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
# On a failure, the fuzzer's reason is printed and the input that caused it is kept beside the
# fuzz build (FUZZ_BUILD_DIR/failed-TARGET-*), so that an intermittent failure can be replayed.
if ! "$build/$target" "$work/found" "${seeds[@]}" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" >"$work/log" 2>&1; then
  grep -E "^==[0-9]+==|SUMMARY|ERROR: libFuzzer|runtime error|out-of-memory|timeout after" "$work/log" | head -20
  for artifact in "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-*; do
    [[ -e $artifact ]] && cp "$artifact" "$build/failed-$target-$(basename "$artifact")"
  done
  tail -4 "$work/log"
  exit 1
fi
tail -4 "$work/log"
