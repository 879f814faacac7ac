#!/usr/bin/env bash
# Checks the sources against a LibTorch other than the Debian one the build uses (a newer release,
# with CUDA; pip's torch package folder holds one), on a machine where the project's other
# dependencies need not be installed:
#   1. tools/device_check, built from the Torch layers that need no OpenCV, runs the shipped
#      models on each device that LibTorch offers and compares them with the CPU in fp32;
#   2. every translation unit (src, tools, tests, bench, fuzz) compiles against its headers.
#   With CODEC_FILES=FOLDER (written by `device_check MODELS_DIR FOLDER` on another machine), the
#   codec also decodes that machine's files and must give exactly its pixels.
# Usage: [CXX_STANDARD=17] [CXXFLAGS=...] [CODEC_FILES=...] scripts/check_libtorch.sh TORCH_DIR [HEADERS_DIR]
#   TORCH_DIR: a folder with include/ and lib/ (libtorch, or python3 -c 'import torch; print(torch.__path__[0])')
#   HEADERS_DIR: headers missing there (OpenCV 4's opencv4/, fmt, nlohmann, CLI11, gtest, benchmark, zlib)
# Writes build-libtorch-check/ (syntax.log, device_check); exit status 1 when a step fails.
set -uo pipefail
cd "$(dirname "$0")/.."

torch_dir=${1:?usage: scripts/check_libtorch.sh TORCH_DIR [HEADERS_DIR]}
headers=${2:-}
out=build-libtorch-check
mkdir -p "$out"
[[ -d "$torch_dir/include/torch" ]] || { echo "check_libtorch: no LibTorch headers in '$torch_dir/include'" >&2; exit 2; }

flags=(-std=c++${CXX_STANDARD:-17} -O2 -DFMT_HEADER_ONLY -DRESTORA_SOURCE_MODELS_DIR='"models"'
       -DRESTORA_SOURCE_DIR='"."' -DRESTORA_BINARY='"restora"' -Iinclude -Isrc -Itests -Ifuzz
       -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include"
       -isystem "${headers:-/usr/include}/opencv4")
if [[ -n "$headers" ]]; then flags+=(-isystem "$headers"); fi
flags+=(${CXXFLAGS:-})  # e.g. -D_GLIBCXX_USE_CXX11_ABI=0 for a LibTorch built with the old ABI
export flags_line="${flags[*]}"

# 1. The device check: the Torch layers without OpenCV (file formats, networks, the codec).
sources=(src/fileio/file_io.cpp src/config/json_reader.cpp src/model_file/*.cpp src/nn/*.cpp
         src/archs/*.cpp src/codec/*.cpp
         src/compression/{convolution,gdn,factorized_density,hyperprior_codec,integer_network,codec_model,tensor_codec}.cpp
         tools/device_check/device_check.cpp)
torch_libs=(-ltorch -ltorch_cpu -lc10)
if [[ -e "$torch_dir/lib/libtorch_cuda.so" ]]; then torch_libs+=(-ltorch_cuda -lc10_cuda); fi
mkdir -p "$out/objects"
if printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
     'g++ $flags_line -c "{}" -o "$0/objects/$(echo {} | tr / _).o"' "$out" &&
   g++ "$out"/objects/*.o -o "$out/device_check" -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" \
     -Wl,--no-as-needed "${torch_libs[@]}" -Wl,--as-needed -l:libz.so.1 -pthread; then
  "$out/device_check" models ${CODEC_FILES:-}
  device_status=$?
else
  echo "check_libtorch: device_check did not build" >&2
  device_status=1
fi

# 2. Syntax of every translation unit, in parallel; the first errors of each failure are kept.
find src tools tests bench fuzz -name '*.cpp' | sort > "$out/units"
xargs -a "$out/units" -P "$(nproc)" -I{} sh -c \
  'g++ $flags_line -fsyntax-only "{}" 2> "$0/$(echo {} | tr / _).err" || echo "{}"' "$out" \
  > "$out/failed"
units=$(wc -l < "$out/units")
failed=$(wc -l < "$out/failed")
: > "$out/syntax.log"
while read -r unit; do
  { echo "== $unit"; grep -m 5 'error' "$out/$(echo "$unit" | tr / _).err"; } >> "$out/syntax.log"
done < "$out/failed"
rm -f "$out"/*.err
echo "check_libtorch: $((units - failed)) of $units translation units compile against $torch_dir"
cat "$out/syntax.log"

((failed == 0 && device_status == 0))
