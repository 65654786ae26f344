#!/usr/bin/env bash
# Serialization alone (issue 14's spectrum benchmark, one part): builds
# bench/spectrum/serialization.cc into build-spectrum/ and writes
# bench/spectrum/serialization.md. Needs protobuf (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-spectrum -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_SPECTRUM=ON \
  -DPOLYSCORE_TESTS=OFF >/dev/null
cmake --build build-spectrum --target spectrum_serialization
out=bench/spectrum/serialization.md
{
  echo "# Serialization alone: protobuf and JSON"
  echo
  echo "Made by \`bash bench/spectrum/serialization.sh\` at $(git rev-parse --short HEAD) on" \
       "$(date -u +%Y-%m-%d), $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
       "load average $(cut -d' ' -f1-3 /proc/loadavg) when it started."
  echo "Times are CPU time of the benchmark's thread per call: the median of 9 repeats," \
       "(lowest–highest repeat). bench/spectrum/README.md says what each format does."
  echo
  build-spectrum/bench/spectrum/spectrum_serialization | while IFS= read -r line; do
    echo "$line"; echo "$line" | cut -c1-100 >&2   # progress on stderr
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
