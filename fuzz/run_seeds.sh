#!/usr/bin/env bash
# ctest: runs the decoder's fuzz target for SECONDS on freshly made seeds; a crash, leak, hang or
# sanitizer report fails the test.   run_seeds.sh FUZZ_BUILD_DIR SECONDS
set -euo pipefail
build=$1 seconds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/make_seeds" "$work/seeds"
mkdir "$work/found"
"$build/fuzz_rci_decoder" "$work/found" "$work/seeds" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" 2>&1 | tail -4
