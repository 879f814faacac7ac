#!/usr/bin/python3
"""Peak memory of `restora` against image size: does memory beyond the images stay flat?

  /usr/bin/python3 bench/memory.py [--max-memory 192M] [--sizes 1,4,16,64] [--threads N]

For each size (megapixels) a synthetic RGB photo-like PNG is made, then denoised by the shipped
colour model at a fixed --max-memory; last, one 4096×4096 input is upscaled x4. Each run is one
process; its peak resident memory comes from wait4(). Printed per run: peak RSS, the bytes of the
decoded 8-bit input and output images (3 bytes per pixel each, as `restora` holds them), and
peak RSS minus those images — the part that must not grow with the image. The default budget
is small enough that even the 1-megapixel image runs in several tiles, so every size uses the
same tile.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def synthetic_photo(width, height, seed):
    """Smooth gradients plus texture and noise: compresses like a photo, not like a flat image."""
    import numpy as np
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    for c in range(3):
        image[..., c] = 128 + 60 * np.sin(x / (37 + 11 * c)) * np.cos(y / (53 + 7 * c))
    image += rng.normal(0, 12, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_synthetic_photo(path, side, seed):
    """In a child process: ru_maxrss survives fork and exec, so the parent that starts `restora`
    must never have held a large image, or its own peak would be reported as restora's."""
    code = ("import sys, cv2; sys.path.insert(0, sys.argv[1]); from memory import synthetic_photo; "
            "cv2.imwrite(sys.argv[2], synthetic_photo(int(sys.argv[3]), int(sys.argv[3]), "
            "int(sys.argv[4])))")
    subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(path), str(side),
                    str(seed)], check=True)


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
    parser.add_argument("--max-memory", default="192M")
    parser.add_argument("--sizes", default="1,4,16,64", help="megapixels, comma-separated")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--skip-upscale", action="store_true")
    args = parser.parse_args()

    print(f"$ /usr/bin/python3 bench/memory.py {' '.join(sys.argv[1:])}".strip())
    print(f"threads {args.threads}, --max-memory {args.max_memory}\n")
    print("| run | input | output | peak RSS | 8-bit images | RSS − images | s |")
    print("|---|---|---|---|---|---|---|")
    cases = [("denoise", int(mp), 1) for mp in args.sizes.split(",")]
    if not args.skip_upscale:
        cases.append(("upscale", 16, 4))
    with tempfile.TemporaryDirectory() as work:
        for task, megapixels, scale in cases:
            side = 4096 if task == "upscale" else int(round((megapixels * 2**20) ** 0.5))
            source = Path(work) / f"in-{side}.png"
            write_synthetic_photo(source, side, megapixels)
            output = Path(work) / "out.png"
            command = [args.restora, task, "-i", str(source), "-o", str(output), "--overwrite",
                       "--threads", str(args.threads), "--max-memory", args.max_memory, "--quiet"]
            if task == "upscale":
                command += ["--scale", str(scale)]
            rss, seconds = measure(command)
            pixels_in, pixels_out = side * side, side * side * scale * scale
            images = 3 * (pixels_in + pixels_out)
            gib = lambda n: f"{n / 2**30:.2f} GiB"
            print(f"| {task} x{scale} | {side}² | {side * scale}² | {gib(rss)} | {gib(images)} "
                  f"| {gib(rss - images)} | {seconds:.0f} |", flush=True)
            output.unlink(missing_ok=True)
            source.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
