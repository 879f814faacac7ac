#!/usr/bin/python3
"""Makes fuzz/seeds/image once (committed): tiny images in every format and depth read_image
takes, so the image fuzz target starts from valid files of each path.

    /usr/bin/python3 fuzz/seeds/make_image_seeds.py fuzz/seeds/image
"""
import os
import sys

import cv2
import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
rgb = rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)
cv2.imwrite(os.path.join(out, "rgb8.png"), rgb)
cv2.imwrite(os.path.join(out, "gray16.png"), rng.integers(0, 65536, (6, 5), dtype=np.uint16))
cv2.imwrite(os.path.join(out, "rgba8.png"), rng.integers(0, 256, (5, 6, 4), dtype=np.uint8))
cv2.imwrite(os.path.join(out, "gray.jpg"), rgb[:, :, 0], [cv2.IMWRITE_JPEG_QUALITY, 80])
cv2.imwrite(os.path.join(out, "rgb.bmp"), rgb)
cv2.imwrite(os.path.join(out, "float.tif"), rng.random((4, 5, 3), dtype=np.float32))
cv2.imwrite(os.path.join(out, "rgb16.tif"), rng.integers(0, 65536, (4, 4, 3), dtype=np.uint16))
cv2.imwrite(os.path.join(out, "rgb.webp"), rgb, [cv2.IMWRITE_WEBP_QUALITY, 90])
# A JPEG whose EXIF orientation (6: rotate 90° clockwise) must be applied.
exif = Image.Exif()
exif[0x0112] = 6
Image.fromarray(rgb).save(os.path.join(out, "oriented.jpg"), quality=85, exif=exif.tobytes())
