#!/bin/sh
# The comparison sheets of docs/REAL.md: RealSRSet images at x4 through `sr`, `real-x4` at
# strength 0 and 1, beside the input (nearest neighbour) and BSRGAN's published output.
#   scripts/real_sheets.sh [DATA_FOLDER] [OUTPUT_FOLDER]
set -eu
data=${1:-../shared/data}
out=${2:-docs}
restora=${RESTORA:-build/tools/restora/restora}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# image name, crop of the x4 output (x,y,w,h)
for entry in building:200,200,240,180 oldphoto2:160,200,240,180 dped_crop00061:360,360,240,180; do
  name=${entry%%:*}
  crop=${entry#*:}
  input="$data/test/RealSRSet/$name.png"
  "$restora" upscale -i "$input" -o "$work/$name-sr.png" --scale 4 -q
  "$restora" restore -i "$input" -o "$work/$name-s0.png" --scale 4 --strength 0 -q
  "$restora" restore -i "$input" -o "$work/$name-s1.png" --scale 4 --strength 1 -q
  "$restora" compare "$input" "$work/$name-sr.png" "$work/$name-s0.png" "$work/$name-s1.png" \
    "$data/peers/BSRGAN_RealSRSet/${name}_BSRGAN.png" \
    --labels "input,sr,real-x4 strength 0,real-x4 strength 1,BSRGAN" \
    --crop "$crop" -o "$out/real-x4-$name.jpg" --overwrite -q
done
