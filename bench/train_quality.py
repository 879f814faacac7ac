#!/usr/bin/python3
"""Does bf16 training reach fp32's quality? One recipe trained twice, side by side, differing
only in precision; prints each run's steps/s and validation PSNR at every validation.

  /usr/bin/python3 bench/train_quality.py [CONFIG=configs/sr-fast.json] [--steps 5000]

The recipe is the config with training.steps (and its cosine schedule) shortened to --steps and
a validation every --steps/5. Both runs use one thread each, at the same time, so the machine's
load hits them alike.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", nargs="?", default="configs/sr-fast.json")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--restora", default=str(REPO / "build/tools/restora/restora"))
    args = parser.parse_args()

    config = json.loads(re.sub(r"^\s*//.*$", "", (REPO / args.config).read_text(), flags=re.M))
    every = max(1, args.steps // 5)
    config["training"].update(steps=args.steps, validate_every=every, checkpoint_every=every,
                              log_every=min(100, every))
    print(f"$ /usr/bin/python3 bench/train_quality.py {' '.join(sys.argv[1:])}".strip())
    with tempfile.TemporaryDirectory() as work:
        recipe = Path(work) / Path(args.config).name
        recipe.write_text(json.dumps(config))
        runs = {p: subprocess.Popen([args.restora, "train", str(recipe), "--precision", p,
                                     "--threads", "1", "-o", str(Path(work) / p), "--quiet"],
                                    cwd=REPO)
                for p in ("bf16", "fp32")}
        for precision, process in runs.items():
            if process.wait() != 0:
                raise SystemExit(f"the {precision} run failed")
        logs = {p: [row.split(",") for row in (Path(work) / p / "log.csv").read_text().split()[1:]]
                for p in runs}
    print(f"{args.config}, {args.steps} steps, one thread per run, both at once\n")
    print("| step | bf16 validation PSNR | fp32 validation PSNR | bf16 − fp32 |")
    print("|---|---|---|---|")
    validated = {p: {row[0]: float(row[4]) for row in rows if row[4]} for p, rows in logs.items()}
    for step, bf16 in validated["bf16"].items():
        fp32 = validated["fp32"][step]
        print(f"| {step} | {bf16:.4f} | {fp32:.4f} | {bf16 - fp32:+.4f} |")
    speed = {p: sum(float(r[3]) for r in rows[1:]) / max(1, len(rows) - 1) for p, rows in logs.items()}
    print(f"\nsteps/s (mean of the logged windows after the first): bf16 {speed['bf16']:.2f}, "
          f"fp32 {speed['fp32']:.2f}, bf16/fp32 {speed['bf16'] / speed['fp32']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
