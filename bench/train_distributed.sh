#!/usr/bin/env bash
# Samples per second of one experiment trained by 1 process and by 2 processes (c10d + Gloo on
# the loopback, one compute thread each), alternating so that machine load affects both alike,
# and the share of rank 0's step time spent averaging gradients and losses.
#   bench/train_distributed.sh CONFIG [STEPS=60] [ROUNDS=2] [PORT=29701]
set -euo pipefail
config=$1 steps=${2:-60} rounds=${3:-2} port=${4:-29701}
restora=${RESTORA:-build/tools/restora/restora}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Log every 10 steps, never validate: only the step time is measured.
batch=$(/usr/bin/python3 - "$config" "$work/config.json" <<'PY'
import json, re, sys
text = re.sub(r'^\s*//.*$', '', open(sys.argv[1]).read(), flags=re.M)
config = json.loads(text)
config["training"].update(log_every=10, validate_every=10**8, checkpoint_every=10**8)
config["data"]["loader_threads"] = 1
json.dump(config, open(sys.argv[2], "w"))
print(config["data"]["batch_size"])
PY
)
echo "config: $config (batch $batch), $steps steps x $rounds rounds, 1 thread per process, $(nproc) cores, $(date -u +%F)"
speed() {  # mean steps/s after the first logged window, times the batch
  awk -F, -v b="$batch" 'NR>2 {s+=$4; n++} END {printf "%.2f", b*s/n}' "$1/log.csv"
}
for round in $(seq "$rounds"); do
  "$restora" train "$work/config.json" --threads 1 --stop-at "$steps" -o "$work/one-$round" --quiet
  echo "1 process: $(speed "$work/one-$round") samples/s" | tee -a "$work/speeds"
  "$restora" train "$work/config.json" --threads 1 --stop-at "$steps" -o "$work/two-$round" \
    --world 2 --rank 1 --master 127.0.0.1:$((port + round)) --quiet &
  "$restora" train "$work/config.json" --threads 1 --stop-at "$steps" -o "$work/two-$round" \
    --world 2 --rank 0 --master 127.0.0.1:$((port + round)) 2> "$work/rank0-$round.err" >/dev/null
  wait
  echo "2 processes: $(speed "$work/two-$round") samples/s; $(grep -o 'averaging.*' "$work/rank0-$round.err")" | tee -a "$work/speeds"
done
