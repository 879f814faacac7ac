#!/usr/bin/env bash
# Training speed of one experiment in fp32 and bf16 (autocast + channels-last), measured side by
# side: the two precisions alternate so that machine load affects both alike.
#   bench/train_precision.sh CONFIG [STEPS=40] [ROUNDS=2] [THREADS=1]
set -euo pipefail
config=$1 steps=${2:-40} rounds=${3:-2} threads=${4:-1}
restora=${RESTORA:-build/tools/restora/restora}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Log every 10 steps, never validate: only the step time is measured.
/usr/bin/python3 - "$config" "$work/config.json" <<'PY'
import json, re, sys
text = re.sub(r'^\s*//.*$', '', open(sys.argv[1]).read(), flags=re.M)
config = json.loads(text)
config["training"].update(log_every=10, validate_every=10**8, checkpoint_every=10**8)
json.dump(config, open(sys.argv[2], "w"))
PY
echo "config: $config, $steps steps x $rounds rounds, $threads thread(s), $(nproc) cores, $(date -u +%F)"
for round in $(seq "$rounds"); do
  for precision in fp32 bf16; do
    "$restora" train "$work/config.json" --precision "$precision" --threads "$threads" \
      --stop-at "$steps" -o "$work/$precision-$round" --quiet
    # Skip the first logged window (warm-up); mean steps/s of the rest.
    awk -F, -v p="$precision" 'NR>2 {s+=$4; n++} END {printf "%s %.3f\n", p, s/n}' \
      "$work/$precision-$round/log.csv" >> "$work/speeds"
  done
done
awk '{sum[$1]+=$2; n[$1]++} END {
  fp32 = sum["fp32"]/n["fp32"]; bf16 = sum["bf16"]/n["bf16"];
  printf "fp32 %.3f steps/s, bf16 %.3f steps/s, bf16/fp32 = %.2fx\n", fp32, bf16, bf16/fp32 }' "$work/speeds"
