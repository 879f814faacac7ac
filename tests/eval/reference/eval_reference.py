"""Reference values for tests/eval/test_eval.cpp from independent code.

Two synthetic RGB images (SyntheticImage() in the C++ test, same formula) form a fake
test set; this script scores two table rows the way PROTOCOLS.md defines them:
  - super-resolution x2/x3/x4, "Bicubic (MATLAB imresize)": LR = imresize(modcrop(HR, s), 1/s),
    up = imresize(LR, s), both uint8 (tests/degrade/reference/imresize_reference.py, an
    independent MATLAB reimplementation checked bit for bit against MATLAB's Set5 LR images);
    and "OpenCV resize INTER_CUBIC": cv2.resize(LR, INTER_CUBIC);
    PSNR/SSIM on skimage's rgb2ycbcr Y with s pixels cropped at every border.
  - JPEG gray protocol q10/20/30/40, "Input": ground truth = round half up of rgb2ycbcr's Y to
    uint8, grayscale JPEG by cv2.imencode (the same libjpeg), decoded; PSNR, SSIM (skimage)
    and PSNR-B (numpy, Yim & Bovik 2011, from tests/metrics/reference/metrics_reference.py).
  - JPEG colour protocol q10/20/30/40, "Input": ground truth = the RGB image, colour JPEG by
    cv2.imencode (4:2:0, checked in the file's frame header), decoded; PSNR and SSIM on RGB,
    PSNR on skimage's rgb2ycbcr Y (not rounded).
Each value is the mean over the two images.
With the shared data folder it also scores Set5's first image (baby) at x2 for the
"FSRCNN (OpenCV dnn_superres)" row: cv2.dnn_superres on MATLAB's own LR
(test/Set5_LR_matlab/X2, in OpenCV's BGR order), Y PSNR/SSIM with a 2-pixel crop.

Run with Debian's python (numpy, skimage, cv2), from the repository root:
    /usr/bin/python3 tests/eval/reference/eval_reference.py [SHARED_DATA]
and paste the printed values into the C++ test.
"""
import os
import sys

import cv2
import numpy as np
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../degrade/reference"))
sys.path.insert(0, os.path.join(HERE, "../../metrics/reference"))
from imresize_reference import imresize  # noqa: E402
from metrics_reference import psnr_b, ssim_skimage  # noqa: E402

SIZES = [(40, 48), (37, 45)]  # (height, width) of image 0 and image 1


def synthetic_image(index):
    height, width = SIZES[index]
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return ((3 * x + 2 * y + 50 * c + (x * y) % 7 * 9 + 40 * index) % 256).astype(np.uint8)


def y_of(rgb_u8):
    return rgb2ycbcr(rgb_u8)[..., 0]


def scores(restored, gt):
    return peak_signal_noise_ratio(gt, restored, data_range=255), ssim_skimage(restored, gt)


def super_resolution():
    for scale in (2, 3, 4):
        bicubic, cubic = [], []
        for index in range(2):
            hr = synthetic_image(index)
            h, w = hr.shape[0] - hr.shape[0] % scale, hr.shape[1] - hr.shape[1] % scale
            hr = hr[:h, :w]
            lr = imresize(hr, 1.0 / scale)
            crop = (slice(scale, -scale), slice(scale, -scale))
            gt = y_of(hr)[crop]
            bicubic.append(scores(y_of(imresize(lr, float(scale)))[crop], gt))
            opencv = cv2.resize(lr, (w, h), interpolation=cv2.INTER_CUBIC)
            cubic.append(scores(y_of(opencv)[crop], gt))
        print(f"// x{scale} bicubic MATLAB psnr {np.mean([s[0] for s in bicubic])!r} "
              f"ssim {np.mean([s[1] for s in bicubic])!r}")
        print(f"// x{scale} OpenCV cubic   psnr {np.mean([s[0] for s in cubic])!r} "
              f"ssim {np.mean([s[1] for s in cubic])!r}")


def jpeg():
    for quality in (10, 20, 30, 40):
        values = []
        for index in range(2):
            gt = np.floor(y_of(synthetic_image(index)) + 0.5).astype(np.uint8)
            ok, data = cv2.imencode(".jpg", gt, [cv2.IMWRITE_JPEG_QUALITY, quality])
            assert ok
            decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED).astype(np.float64)
            reference = gt.astype(np.float64)
            values.append((*scores(decoded, reference), psnr_b(decoded, reference)))
        means = np.mean(values, axis=0)
        print(f"// q{quality} input psnr {means[0]!r} ssim {means[1]!r} psnr_b {means[2]!r}")


def chroma_subsampling(jpeg_bytes):
    """The (horizontal, vertical) sampling factors of each component in a baseline JPEG."""
    data = bytes(jpeg_bytes)
    start = data.index(b"\xff\xc0")  # SOF0
    components = data[start + 9]
    return [(data[start + 11 + 3 * k] >> 4, data[start + 11 + 3 * k] & 15)
            for k in range(components)]


def jpeg_colour():
    for quality in (10, 20, 30, 40):
        values = []
        for index in range(2):
            gt = synthetic_image(index)
            ok, data = cv2.imencode(".jpg", gt[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
            assert ok and chroma_subsampling(data) == [(2, 2), (1, 1), (1, 1)]  # 4:2:0
            decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1]
            psnr_y = peak_signal_noise_ratio(y_of(gt), y_of(decoded), data_range=255)
            values.append((*scores(decoded.astype(np.float64), gt.astype(np.float64)), psnr_y))
        means = np.mean(values, axis=0)
        print(f"// q{quality} colour input psnr {means[0]!r} ssim {means[1]!r} "
              f"psnr_y {means[2]!r}")


def fsrcnn_on_baby(shared):
    gt_bgr = cv2.imread(os.path.join(shared, "test/Set5/baby_GT.png"))
    lr_bgr = cv2.imread(os.path.join(shared, "test/Set5_LR_matlab/X2/babyx2.png"))
    network = cv2.dnn_superres.DnnSuperResImpl_create()
    network.readModel(os.path.join(shared, "peers/opencv_dnn_superres/FSRCNN_x2.pb"))
    network.setModel("fsrcnn", 2)
    restored = network.upsample(lr_bgr)
    crop = (slice(2, -2), slice(2, -2))
    psnr, ssim = scores(y_of(restored[..., ::-1])[crop], y_of(gt_bgr[..., ::-1])[crop])
    print(f"// Set5 baby x2 FSRCNN (OpenCV dnn_superres) psnr {psnr!r} ssim {ssim!r}")


if __name__ == "__main__":
    super_resolution()
    jpeg()
    jpeg_colour()
    shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RESTORA_SHARED_DATA", "")
    if shared and os.path.isdir(os.path.join(shared, "peers/opencv_dnn_superres")):
        fsrcnn_on_baby(shared)
