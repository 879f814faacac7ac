#!/bin/sh
# Installs the build into a fresh prefix, builds tests/package/consumer against it with
# find_package(restora), runs it and checks that it used the installed model.
# Usage: check_package.sh BUILD_DIR CONSUMER_SOURCE WORK_DIR
set -eu
build=$1 consumer=$2 work=$3
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work.install.log" 2>&1 ||
  { cat "$work.install.log"; exit 1; }
cmake -S "$consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/build" > /dev/null
output=$(env -u RESTORA_MODELS "$work/build/consumer")
echo "$output"
case "$output" in
  *"model $work/prefix/share/restora/models/denoise-gray.safetensors"*) ;;
  *) echo "the consumer did not use the installed model"; exit 1 ;;
esac
