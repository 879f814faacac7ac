#!/usr/bin/env bash
# Installs the Debian 12 packages Restora needs; calls apt-get only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config
  libtorch-dev libopencv-dev libopencv-contrib-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev libpng-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtcmalloc-minimal4 libgoogle-perftools-dev
  libgloo-dev                               # c10d ProcessGroupGloo: distributed training
  libopenblas0-openmp                       # LibTorch's BLAS; the reference one runs the codec's float64 h_s 10× slower
  python3-numpy python3-skimage python3-opencv python3-torch
  clang libclang-rt-14-dev                  # the codec decoder's libFuzzer target
  webp libavif-bin libjxl-tools             # codec peers measured by `restora eval --task codec`
  libcpp-httplib-dev                        # `restora serve`: the web UI's HTTP server
  chromium                                  # the web UI's browser test (headless, DevTools pipe)
  libavformat-dev libavcodec-dev libswscale-dev  # `restora video`: video files in and out (FFmpeg's libraries)
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
