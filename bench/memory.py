#!/usr/bin/python3
"""Peak memory of `restora` against image size: does memory beyond the images stay flat?

  /usr/bin/python3 bench/memory.py [--max-memory 1G] [--sizes 1,4,16,64] [--threads N]

For each size (megapixels) a synthetic RGB photo-like PNG is made, then denoised by the shipped
colour model at a fixed --max-memory; last, one 4096×4096 input is upscaled x4. Each run is one
process; its peak resident memory comes from wait4(). Printed per run: peak RSS, the bytes of the
decoded input and output images as Restora holds them (float RGB, 12 bytes per pixel) and as
8-bit files decode (3 bytes per pixel), and peak RSS minus the float images — the part that
must not grow with the image.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent


def synthetic_photo(width, height, seed):
    """Smooth gradients plus texture and noise: compresses like a photo, not like a flat image."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    for c in range(3):
        image[..., c] = 128 + 60 * np.sin(x / (37 + 11 * c)) * np.cos(y / (53 + 7 * c))
    image += rng.normal(0, 12, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def measure(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    error = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{error}")
    return usage.ru_maxrss * 1024, seconds  # ru_maxrss is in KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--restora", default=str(REPO / "build/tools/restora/restora"))
    parser.add_argument("--max-memory", default="1G")
    parser.add_argument("--sizes", default="1,4,16,64", help="megapixels, comma-separated")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--skip-upscale", action="store_true")
    args = parser.parse_args()

    print(f"$ /usr/bin/python3 bench/memory.py {' '.join(sys.argv[1:])}".strip())
    print(f"threads {args.threads}, --max-memory {args.max_memory}\n")
    print("| run | input | output | peak RSS | float images | 8-bit images | RSS − float images | s |")
    print("|---|---|---|---|---|---|---|---|")
    cases = [("denoise", int(mp), 1) for mp in args.sizes.split(",")]
    if not args.skip_upscale:
        cases.append(("upscale", 16, 4))
    with tempfile.TemporaryDirectory() as work:
        for task, megapixels, scale in cases:
            side = 4096 if task == "upscale" else int(round((megapixels * 2**20) ** 0.5))
            source = Path(work) / f"in-{side}.png"
            cv2.imwrite(str(source), synthetic_photo(side, side, megapixels))
            output = Path(work) / "out.png"
            command = [args.restora, task, "-i", str(source), "-o", str(output), "--overwrite",
                       "--threads", str(args.threads), "--max-memory", args.max_memory, "--quiet"]
            if task == "upscale":
                command += ["--scale", str(scale)]
            rss, seconds = measure(command)
            pixels_in, pixels_out = side * side, side * side * scale * scale
            float_images = 12 * (pixels_in + pixels_out)
            u8_images = 3 * (pixels_in + pixels_out)
            gib = lambda n: f"{n / 2**30:.2f} GiB"
            print(f"| {task} x{scale} | {side}² | {side * scale}² | {gib(rss)} | {gib(float_images)} "
                  f"| {gib(u8_images)} | {gib(rss - float_images)} | {seconds:.0f} |", flush=True)
            output.unlink(missing_ok=True)
            source.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
