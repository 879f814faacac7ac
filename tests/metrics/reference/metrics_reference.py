"""Reference values for tests/metrics/test_metrics.cpp from independent code.

PSNR and SSIM come from skimage.metrics (SSIM with gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=255: its mean over the map
cropped by (11-1)/2 = 5 is exactly the valid-region mean; a plain numpy
valid-region SSIM double-checks it), Y from skimage.color.rgb2ycbcr, MSE/MAE
from numpy, and PSNR-B from numpy written from Yim & Bovik 2011.

Run with Debian's python (numpy, skimage):
    /usr/bin/python3 tests/metrics/reference/metrics_reference.py
and paste the printed values into the C++ test.
"""
import numpy as np
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def synthetic_pair(height, width):
    """The same formulas as SyntheticGroundTruth()/SyntheticRestored() in the C++ test:
    a smooth ramp with texture, and a copy with block-constant offsets on 8x8
    blocks (JPEG-like blocking) plus a small pixel pattern."""
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    gt = (3 * x + 2 * y + 50 * c + (x * y) % 7) % 256
    offset = ((x // 8) * 5 + (y // 8) * 3 + c) % 7 - 3 + (x * 7 + y * 13 + c * 5) % 3 - 1
    restored = np.clip(gt + offset, 0, 255)
    return restored.astype(np.uint8), gt.astype(np.uint8)


def y_channel(rgb_u8):
    return rgb2ycbcr(rgb_u8)[..., 0]  # float64, 16 + 65.481 R + 128.553 G + 24.966 B


def ssim_valid_numpy(a, b, contrast_structure=False):
    """Wang 2004 SSIM map on the valid region only, separable Gaussian 11x11 (or, asked, the
    mean of its contrast-structure factor alone)."""
    radius = 5
    taps = np.exp(-(np.arange(-radius, radius + 1) ** 2) / (2 * 1.5**2))
    taps /= taps.sum()

    def filter_valid(image):
        rows = sum(taps[k] * image[k : image.shape[0] - 2 * radius + k, :] for k in range(11))
        return sum(taps[k] * rows[:, k : rows.shape[1] - 2 * radius + k] for k in range(11))

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = filter_valid(a), filter_valid(b)
    var_a = filter_valid(a * a) - mu_a**2
    var_b = filter_valid(b * b) - mu_b**2
    cov = filter_valid(a * b) - mu_a * mu_b
    if contrast_structure:
        return ((2 * cov + c2) / (var_a + var_b + c2)).mean()
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return ssim_map.mean()


def ms_ssim_numpy(a, b):
    """Wang 2003 MS-SSIM of one channel: contrast-structure at scales 1-4, SSIM at scale 5,
    2x2 mean pooling between scales."""
    weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    value = 1.0
    for scale, weight in enumerate(weights):
        last = scale == len(weights) - 1
        value *= max(ssim_valid_numpy(a, b, contrast_structure=not last), 0.0) ** weight
        h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
        a = a[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
        b = b[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return value


def ssim_skimage(a, b):
    if a.ndim == 2:
        return structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=255)
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=255, channel_axis=2)


def blocking_effect_factor(image, block=8):
    """Yim & Bovik 2011, eqs. for D_B, D_B^c, eta and BEF, one channel.
    Boundary pairs: columns (or rows) 8k-1 / 8k; the counts N_HB = N_V (N_H/B - 1)
    etc. use integer division, as the paper's formulas do for B | N."""
    n_v, n_h = image.shape  # rows, columns
    columns = np.arange(n_h - 1)
    rows = np.arange(n_v - 1)
    horizontal = (image[:, columns] - image[:, columns + 1]) ** 2
    vertical = (image[rows, :] - image[rows + 1, :]) ** 2
    column_on_boundary = columns % block == block - 1
    row_on_boundary = rows % block == block - 1
    n_hb = n_v * (n_h // block - 1)
    n_vb = n_h * (n_v // block - 1)
    n_hbc = n_v * (n_h - 1) - n_hb
    n_vbc = n_h * (n_v - 1) - n_vb
    d_b = (horizontal[:, column_on_boundary].sum() + vertical[row_on_boundary, :].sum()) / (n_hb + n_vb)
    d_bc = (horizontal[:, ~column_on_boundary].sum() + vertical[~row_on_boundary, :].sum()) / (n_hbc + n_vbc)
    eta = np.log2(block) / np.log2(min(n_v, n_h))
    return eta * (d_b - d_bc) if d_b > d_bc else 0.0


def psnr_b(test, reference):
    """Mean over channels of 10 log10(255^2 / (MSE + BEF(test)))."""
    if test.ndim == 2:
        test, reference = test[..., None], reference[..., None]
    values = []
    for channel in range(test.shape[2]):
        t, r = test[..., channel], reference[..., channel]
        values.append(10 * np.log10(255.0**2 / (np.mean((t - r) ** 2) + blocking_effect_factor(t))))
    return float(np.mean(values))


def report(label, restored, gt):
    ssim = ssim_skimage(restored, gt)
    if restored.ndim == 2:
        numpy_ssim = ssim_valid_numpy(restored, gt)
    else:
        numpy_ssim = np.mean([ssim_valid_numpy(restored[..., c], gt[..., c]) for c in range(3)])
    assert abs(ssim - numpy_ssim) < 1e-12, (ssim, numpy_ssim)
    print(f"// {label}: shape {restored.shape}")
    print(f"//   psnr   {peak_signal_noise_ratio(gt, restored, data_range=255)!r}")
    print(f"//   ssim   {ssim!r}")
    print(f"//   mse    {np.mean((restored - gt) ** 2)!r}")
    print(f"//   mae    {np.mean(np.abs(restored - gt))!r}")
    print(f"//   psnr_b {psnr_b(restored, gt)!r}")
    channels = restored[..., None] if restored.ndim == 2 else restored
    print(f"//   bef    {[blocking_effect_factor(channels[..., c]) for c in range(channels.shape[2])]!r}")


def main():
    restored_u8, gt_u8 = synthetic_pair(37, 45)
    y = y_channel(gt_u8)
    print("// Y of gt at (0,0), (5,7), (36,44):", repr(y[0, 0]), repr(y[5, 7]), repr(y[36, 44]))
    print("// gt pixels there:", gt_u8[0, 0].tolist(), gt_u8[5, 7].tolist(), gt_u8[36, 44].tolist())
    report("RGB 37x45, all channels, crop 0", restored_u8.astype(np.float64), gt_u8.astype(np.float64))
    report("RGB 37x45, Y, crop 4", y_channel(restored_u8)[4:-4, 4:-4], y[4:-4, 4:-4])
    restored_u8, gt_u8 = synthetic_pair(190, 201)
    ms_ssim = np.mean([ms_ssim_numpy(restored_u8[..., c].astype(np.float64), gt_u8[..., c].astype(np.float64))
                       for c in range(3)])
    print(f"// ms_ssim RGB 190x201: {ms_ssim!r}")
    restored_u8, gt_u8 = synthetic_pair(32, 40)
    report("gray (channel 0) 32x40, crop 0", restored_u8[..., 0].astype(np.float64),
           gt_u8[..., 0].astype(np.float64))


if __name__ == "__main__":
    main()
