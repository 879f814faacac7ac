#!/usr/bin/env bash
# The demo: degrade photos that Debian's python3-skimage ships, restore them with the shipped
# default models, and report PSNR against the clean originals; compress one with the learned codec.
set -euo pipefail
restora=${1:-build/tools/restora/restora}
samples=/usr/lib/python3/dist-packages/skimage/data
out=demo-output
mkdir -p "$out"

echo "== Denoising (sigma 25): $samples/camera.png (gray) and astronaut.png (colour)"
"$restora" degrade -i "$samples/camera.png" -o "$out/camera-noisy25.tif" --sigma 25 --seed 1 --overwrite --quiet
"$restora" denoise -i "$out/camera-noisy25.tif" -o "$out/camera-denoised.png" --reference "$samples/camera.png" --overwrite
"$restora" degrade -i "$samples/astronaut.png" -o "$out/astronaut-noisy25.tif" --sigma 25 --seed 1 --overwrite --quiet
"$restora" denoise -i "$out/astronaut-noisy25.tif" -o "$out/astronaut-denoised.png" --reference "$samples/astronaut.png" --overwrite

echo "== Super-resolution x2: astronaut.png downscaled (MATLAB bicubic) then upscaled"
"$restora" degrade -i "$samples/astronaut.png" -o "$out/astronaut-x2-lr.png" --scale 2 --overwrite --quiet
"$restora" upscale -i "$out/astronaut-x2-lr.png" -o "$out/astronaut-x2-sr.png" --scale 2 --reference "$samples/astronaut.png" --overwrite

echo "== JPEG artifact removal (quality 10): coffee.png"
"$restora" degrade -i "$samples/coffee.png" -o "$out/coffee-q10.png" --quality 10 --overwrite --quiet
"$restora" dejpeg -i "$out/coffee-q10.png" -o "$out/coffee-dejpeg.png" --reference "$samples/coffee.png" --overwrite

echo "== Real photo: camera noise and JPEG on astronaut.png, restored blind (model real)"
"$restora" degrade -i "$samples/astronaut.png" -o "$out/astronaut-camera.png" --chain "camera_noise:shot=0.004:read=0.004,jpeg:quality=85" --seed 1 --overwrite --quiet
"$restora" restore -i "$out/astronaut-camera.png" -o "$out/astronaut-restored.png" --strength 0.5 --reference "$samples/astronaut.png" --overwrite

echo "== Real-world x4: astronaut.png through a second-order chain, restored at strength 0 and 1"
"$restora" degrade -i "$samples/astronaut.png" -o "$out/astronaut-x4-damaged.png" --chain "blur:sigma=1.5:sigma_minor=1:angle=30:size=15,resize:scale=0.8,gaussian_noise:sigma=8,jpeg:quality=60,resize_to:scale=4,jpeg:quality=70" --seed 1 --overwrite --quiet
for strength in 0 1; do
  "$restora" restore -i "$out/astronaut-x4-damaged.png" -o "$out/astronaut-x4-strength$strength.png" --scale 4 --strength "$strength" --reference "$samples/astronaut.png" --overwrite
done

echo "== Old-photo repair: scratches, dust, cracks and stains painted over coffee.png, found and filled"
"$restora" degrade -i "$samples/coffee.png" -o "$out/coffee-damaged.png" --chain "damage:amount=0.6" --seed 2 --overwrite --quiet
"$restora" repair -i "$out/coffee-damaged.png" -o "$out/coffee-repaired.png" --save-mask "$out/coffee-damage-found.png" --reference "$samples/coffee.png" --overwrite

echo "== Blind deblurring: camera shake on astronaut.png, made sharp at the same size"
"$restora" degrade -i "$samples/astronaut.png" -o "$out/astronaut-shaken.png" --chain "kernel_blur:family=motion:seed=7:size=21,gaussian_noise:sigma=2" --seed 1 --overwrite --quiet
"$restora" deblur -i "$out/astronaut-shaken.png" -o "$out/astronaut-deblurred.png" --reference "$samples/astronaut.png" --overwrite

echo "== Learned compression: coffee.png at quality levels 3 and 7, then decoded"
for level in 3 7; do
  "$restora" compress -q "$level" -i "$samples/coffee.png" -o "$out/coffee-q$level.rci" --overwrite
  "$restora" decompress -i "$out/coffee-q$level.rci" -o "$out/coffee-q$level-decoded.png" --reference "$samples/coffee.png" --overwrite
done

echo "Results are in $out/"
