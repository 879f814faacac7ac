"""Reference NIQE values for tests/metrics/test_niqe.cpp from independent numpy code.

A re-implementation in numpy + scipy of BasicSR's calculate_niqe(img, crop_border=0,
input_order='HWC', convert_to='y') (basicsr/metrics/niqe.py), written from its algorithm:
Y of the BGR image as BasicSR's to_y_channel() computes it (float32) and then rounded, whole
96x96 blocks, two scales (the second after MATLAB bicubic halving with antialiasing of Y/255),
float32 MSCN coefficients with scipy.ndimage.convolve(mode='nearest'), the 18 AGGD features per
block and scale, nanmean / nan-free np.cov over blocks, pinv and the distance. The only
departure: the halving is a numpy MATLAB imresize (double sums, float32 after each pass,
MATLAB's single-precision semantics) instead of BasicSR's float32 PyTorch one.

Run with Debian's python (numpy, scipy; cv2 for the self-check):
    /usr/bin/python3 tests/metrics/reference/niqe_reference.py [SHARED_DATA]
With SHARED_DATA (or $RESTORA_SHARED_DATA) holding metrics/niqe_*.json, it first checks itself
against BasicSR's values in metrics/niqe_reference.json. It then prints the NIQE of the
synthetic images of the C++ test under the synthetic model (mean 0, covariance I, 7x7 Gaussian
window of sigma 7/6), to paste into test_niqe.cpp.
"""
import json
import math
import os
import sys

import numpy as np
from scipy.ndimage import convolve
from scipy.special import gamma

BLOCK = 96


# --- the synthetic images and model of the C++ test (integer formulas: identical in C++) ---

def triangle(t):
    return np.abs(t % 64 - 32)


def hash_u32(x, y, c):
    mask = 0xFFFFFFFF
    h = ((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) & mask
    h ^= h >> 13
    h = (h * 0x5BD1E995) & mask
    h ^= h >> 15
    return h


def waves(rows, cols, noise):
    """RGB uint8: a ramp plus two triangle waves per channel, plus hash noise in [-noise, noise)."""
    y, x, c = np.meshgrid(np.arange(rows, dtype=np.int64), np.arange(cols, dtype=np.int64),
                          np.arange(3, dtype=np.int64), indexing="ij")
    value = 30 + 20 * c + (x + 2 * y) // 4 + 2 * triangle(x + y // 2 + 9 * c) \
        + triangle(3 * x + 2 * (300 - y))
    if noise:
        value = value + (hash_u32(x, y, c) % (2 * noise)) - noise
    return np.clip(value, 0, 255).astype(np.uint8)


def gray_texture(rows, cols):
    """Gray uint8: triangle waves plus hash noise."""
    y, x = np.meshgrid(np.arange(rows, dtype=np.int64), np.arange(cols, dtype=np.int64),
                       indexing="ij")
    value = 60 + 3 * triangle(3 * x + y) + hash_u32(x, y, 0) % 16
    return np.clip(value, 0, 255).astype(np.uint8)


def synthetic_model():
    offsets = np.arange(7, dtype=np.float64) - 3
    window = np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2 * (7 / 6) ** 2))
    return np.zeros((1, 36)), np.eye(36), window / window.sum()


# --- MATLAB imresize(x, 0.5, 'bicubic') of a float32 image ---

def contributions(in_length, out_length, scale):
    kernel_width = 4.0 / scale
    u = np.arange(1, out_length + 1, dtype=np.float64) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    taps = int(math.ceil(kernel_width)) + 2
    index = left[:, None] + np.arange(taps)[None, :]
    distance = np.abs(scale * (u[:, None] - index))
    cubic = np.where(distance <= 1, 1.5 * distance**3 - 2.5 * distance**2 + 1,
                     np.where(distance <= 2,
                              -0.5 * distance**3 + 2.5 * distance**2 - 4 * distance + 2, 0.0))
    weights = scale * cubic
    weights /= weights.sum(axis=1, keepdims=True)
    zero_based = index.astype(np.int64) - 1
    period = 2 * in_length
    wrapped = zero_based % period
    mirrored = np.where(wrapped < in_length, wrapped, period - 1 - wrapped)
    kept = np.any(weights != 0, axis=0)
    return weights[:, kept], mirrored[:, kept]


def imresize_half(image):
    rows, cols = image.shape
    weights, index = contributions(rows, math.ceil(rows / 2), 0.5)
    by_rows = np.einsum("ot,otc->oc", weights, image.astype(np.float64)[index]).astype(np.float32)
    weights, index = contributions(cols, math.ceil(cols / 2), 0.5)
    by_cols = np.einsum("ot,rot->ro", weights, by_rows.astype(np.float64)[:, index])
    return by_cols.astype(np.float32)


# --- NIQE ---

SHAPES = np.arange(0.2, 10.001, 0.001)
RATIOS = gamma(2 / SHAPES) ** 2 / (gamma(1 / SHAPES) * gamma(3 / SHAPES))


def fit_aggd(values):
    values = values.ravel()
    left_std = np.sqrt(np.mean(values[values < 0] ** 2))
    right_std = np.sqrt(np.mean(values[values > 0] ** 2))
    gamma_hat = left_std / right_std
    r_hat = np.mean(np.abs(values)) ** 2 / np.mean(values**2)
    r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    alpha = SHAPES[np.argmin((RATIOS - r_norm) ** 2)]
    scale = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return alpha, left_std * scale, right_std * scale


def block_features(block):
    alpha, left, right = fit_aggd(block)
    features = [alpha, (left + right) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        alpha, left, right = fit_aggd(block * np.roll(block, shift, axis=(0, 1)))
        features += [alpha, (right - left) * gamma(2 / alpha) / gamma(1 / alpha), left, right]
    return features


def luma(rgb_or_gray):
    """BasicSR: img.astype(float32), to_y_channel() of the BGR image, then round."""
    if rgb_or_gray.ndim == 2:
        return rgb_or_gray.astype(np.float32)
    bgr = rgb_or_gray[..., ::-1].astype(np.float32) / 255.0
    y = np.dot(bgr, [24.966, 128.553, 65.481]) + 16.0
    return ((y / 255.0).astype(np.float32) * 255.0).round()


def niqe(rgb_or_gray, mean, covariance, window):
    image = luma(rgb_or_gray)
    block_rows, block_cols = image.shape[0] // BLOCK, image.shape[1] // BLOCK
    image = image[:block_rows * BLOCK, :block_cols * BLOCK]
    per_scale = []
    for scale in (1, 2):
        mu = convolve(image, window, mode="nearest")  # float32, as the image
        sigma = np.sqrt(np.abs(convolve(np.square(image), window, mode="nearest") - np.square(mu)))
        coefficients = (image - mu) / (sigma + 1)
        side = BLOCK // scale
        per_scale.append(np.array([
            block_features(coefficients[r * side:(r + 1) * side, c * side:(c + 1) * side])
            for c in range(block_cols) for r in range(block_rows)]))
        if scale == 1:
            image = imresize_half(image / 255.0) * 255.0
    features = np.concatenate(per_scale, axis=1)
    image_mean = np.nanmean(features, axis=0)
    # A single complete row: np.cov returns the scalar variance of its 36 values (BasicSR's
    # behaviour, kept).
    image_covariance = np.cov(features[~np.isnan(features).any(axis=1)], rowvar=False)
    inverse = np.linalg.pinv((covariance + image_covariance) / 2)
    difference = mean - image_mean
    return float(np.sqrt(difference @ inverse @ difference.T).squeeze())


def check_against_basicsr(shared):
    import cv2  # only for the self-check

    params = json.load(open(os.path.join(shared, "metrics/niqe_pris_params.json")))
    model = [np.array(params[key], dtype=np.float64)
             for key in ("mu_pris_param", "cov_pris_param", "gaussian_window")]
    reference = json.load(open(os.path.join(shared, "metrics/niqe_reference.json")))["values"]
    worst = 0.0
    for name, expected in reference.items():
        bgr = cv2.imread(os.path.join(shared, name), cv2.IMREAD_COLOR)
        worst = max(worst, abs(niqe(bgr[..., ::-1], *model) - expected))
    print(f"# self-check: {len(reference)} images of niqe_reference.json, max |diff| {worst:.5f}")
    assert worst < 0.01


def main():
    np.seterr(all="ignore")  # nanmean and the AGGD of flat regions warn by design
    shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RESTORA_SHARED_DATA", "")
    if shared and os.path.isfile(os.path.join(shared, "metrics/niqe_reference.json")):
        check_against_basicsr(shared)
    else:
        print("# self-check skipped: no SHARED_DATA/metrics/niqe_reference.json")
    model = synthetic_model()
    cases = {
        "waves 200x230 RGB": waves(200, 230, 0),
        "noisy waves 200x230 RGB": waves(200, 230, 24),
        "gray texture 130x100 (one block)": gray_texture(130, 100),
    }
    for name, image in cases.items():
        print(f"{name}: {niqe(image, *model)!r}")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)
    main()
