"""Reference values for tests/image (test_image_io.cpp, test_tiles.cpp).

Run once with Debian's Python (numpy + Pillow) and paste the output into the
tests:  /usr/bin/python3 tests/image/reference/image_reference.py
"""
import io

import numpy as np
from PIL import Image, ImageOps

# quantize_u8: float32 input, clip to [0,1], x*255 rounded half up (float64).
inputs = np.array([-0.5, 0.0, 0.5 / 255, 1.5 / 255, 2.5 / 255, 0.25, 0.5, 127.5 / 255,
                   0.999, 254.49 / 255, 254.5 / 255, 1.0, 1.7], dtype=np.float32)
clipped = np.clip(inputs.astype(np.float64), 0.0, 1.0)
print("quantize_u8 inputs:", ", ".join(f"{v!r}f" for v in inputs.tolist()))
print("quantize_u8 expected:", np.floor(clipped * 255.0 + 0.5).astype(np.uint8).tolist())

# EXIF orientation as Pillow's exif_transpose displays a 2x3 gray image
# whose stored pixels are 10, 20, ..., 60 in row-major order.
stored = (np.arange(1, 7, dtype=np.uint8) * 10).reshape(2, 3)
for orientation in range(1, 9):
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, "PNG", exif=exif.tobytes())
    shown = np.array(ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue()))))
    print(f"orientation {orientation}: rows={shown.shape[0]} cols={shown.shape[1]}",
          shown.reshape(-1).tolist())

# plan_tiles(10x7, tile 4, overlap 1, alignment 2): tile -> 4, overlap -> 2.
width, height, step, margin = 10, 7, 4, 2
for y in range(0, height, step):
    for x in range(0, width, step):
        right, bottom = min(x + step, width), min(y + step, height)
        cx, cy = max(x - margin, 0), max(y - margin, 0)
        cr, cb = min(right + margin, width), min(bottom + margin, height)
        print(f"{{{{{x}, {y}, {right - x}, {bottom - y}}}, {{{cx}, {cy}, {cr - cx}, {cb - cy}}}}},")
