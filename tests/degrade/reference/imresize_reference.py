"""Independent numpy reimplementation of MATLAB imresize(I, scale, 'bicubic').

Written from MATLAB's algorithm (imresize.m: contributions(), cubic(),
dimension order, and imresizemex's rounding of uint8 results after each
one-dimensional pass), without looking at the C++ code it checks.

Run with Debian's python (numpy + cv2):
    /usr/bin/python3 tests/degrade/reference/imresize_reference.py [SHARED_DATA]
It first checks itself bit for bit against MATLAB's own Set5 LR images
(SHARED_DATA/test/Set5_LR_matlab, skipped when the folder is missing), then
prints the expected arrays; they are pasted as tests/degrade/imresize_expected.h:
    /usr/bin/python3 tests/degrade/reference/imresize_reference.py \
        > tests/degrade/imresize_expected.h && clang-format -i tests/degrade/imresize_expected.h
"""
import math
import os
import sys

import numpy as np


def cubic(x):
    absx = np.abs(x)
    absx2 = absx**2
    absx3 = absx**3
    return (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1) + (
        -0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2
    ) * ((1 < absx) & (absx <= 2))


def contributions(in_length, out_length, scale):
    """Weights and 0-based indices, one row per output pixel (MATLAB's layout)."""
    kernel_width = 4.0
    if scale < 1:
        kernel = lambda x: scale * cubic(scale * x)
        kernel_width = kernel_width / scale
    else:
        kernel = cubic
    x = np.arange(1, out_length + 1, dtype=np.float64)[:, None]
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    taps = int(math.ceil(kernel_width)) + 2
    indices = left + np.arange(taps, dtype=np.float64)[None, :]
    weights = kernel(u - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    aux = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = aux[np.mod(indices.astype(np.int64) - 1, aux.size)]
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], indices[:, keep]


def round_half_away_uint8(values):
    clipped = np.clip(values, 0, 255)
    floor = np.floor(clipped)
    return np.where(clipped - floor >= 0.5, floor + 1, floor).astype(np.uint8)


def resize_along(image, axis, weights, indices):
    moved = np.moveaxis(image, axis, 0).astype(np.float64)
    total = np.zeros((weights.shape[0],) + moved.shape[1:], dtype=np.float64)
    extra = (slice(None),) + (None,) * (moved.ndim - 1)
    for tap in range(weights.shape[1]):  # sequential sum over taps, as the mex loop does
        total = total + weights[:, tap][extra] * moved[indices[:, tap]]
    if image.dtype == np.uint8:
        total = round_half_away_uint8(total)
    else:
        total = total.astype(image.dtype)
    return np.moveaxis(total, 0, axis)


def imresize(image, scale):
    out_shape = [int(math.ceil(scale * n)) for n in image.shape[:2]]
    result = image
    for axis in (0, 1):  # equal scales: rows first (MATLAB's stable sort of [s s])
        weights, indices = contributions(image.shape[axis], out_shape[axis], scale)
        result = resize_along(result, axis, weights, indices)
    return result


def check_set5(shared):
    import cv2

    names = ["baby", "bird", "butterfly", "head", "woman"]
    for scale in (2, 3, 4):
        for name in names:
            gt = cv2.imread(os.path.join(shared, "test/Set5", name + "_GT.png"))
            lr = cv2.imread(os.path.join(shared, f"test/Set5_LR_matlab/X{scale}/{name}x{scale}.png"))
            h, w = gt.shape[0] - gt.shape[0] % scale, gt.shape[1] - gt.shape[1] % scale
            mine = imresize(gt[:h, :w], 1.0 / scale)
            assert mine.shape == lr.shape, (name, scale, mine.shape, lr.shape)
            diff = int(np.abs(mine.astype(int) - lr.astype(int)).max())
            assert diff == 0, (name, scale, diff, int((mine != lr).sum()))
    print("// Set5_LR_matlab X2/X3/X4: bit-exact for all 5 images")


def synthetic_image():
    """13x17x3 uint8, the same formula as SyntheticImage() in the C++ test."""
    y, x, c = np.meshgrid(np.arange(13), np.arange(17), np.arange(3), indexing="ij")
    return ((x * 37 + y * 91 + c * 53 + (x * y * (c + 1)) % 23) * 7 % 256).astype(np.uint8)


def print_array(name, array, as_float=False):
    flat = array.reshape(-1)
    per_line = 6 if as_float else 24
    kind = "float" if as_float else "unsigned char"
    print(f"// {array.shape[0]} rows x {array.shape[1]} columns x {array.shape[2]} channels")
    print(f"inline const std::vector<{kind}> {name} = {{")
    for start in range(0, flat.size, per_line):
        chunk = flat[start : start + per_line]
        text = ", ".join(f"{float(v):.9g}f" if as_float else str(int(v)) for v in chunk)
        print("    " + text + ",")
    print("};")
    print()


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RESTORA_SHARED_DATA", "")
    if shared and os.path.isdir(os.path.join(shared, "test/Set5_LR_matlab")):
        check_set5(shared)
    else:
        print("// Set5 check skipped: no shared data")
    print("// Generated by tests/degrade/reference/imresize_reference.py (independent numpy")
    print("// imresize); do not edit. MATLAB imresize(image, scale, 'bicubic') of")
    print("// SyntheticImage() (13x17x3 uint8), row-major, channels interleaved.")
    print("#pragma once")
    print()
    print("#include <vector>")
    print()
    print("namespace restora::expected {")
    print()
    image = synthetic_image()
    for label, scale in (("Half", 1 / 2), ("Third", 1 / 3), ("Quarter", 1 / 4), ("Double", 2.0)):
        print(f"// scale {scale!r}")
        print_array("kImresize" + label, imresize(image, scale))
    print("// float32 input SyntheticImage() / 255, scale 1/3, no rounding")
    print_array("kImresizeThirdFloat", imresize(image.astype(np.float32) / np.float32(255), 1 / 3), True)
    print("}  // namespace restora::expected")


if __name__ == "__main__":
    main()
