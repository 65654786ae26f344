#!/usr/bin/env bash
# Fuzzes the model loaders and the predictor with libFuzzer (clang-14), seeded with the
# conformance models. Not part of scripts/test.sh: it runs as long as you let it.
#   tests/fuzz/run.sh [SECONDS]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-300}
for p in clang-14 libclang-rt-14-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null; break; }
done
BUILD=build-fuzz
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYSCORE_TESTS=OFF \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DPOLYSCORE_FUZZ=ON \
  -DPOLYSCORE_SANITIZE="address,undefined" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD" --target polyscore_fuzz
corpus="$BUILD/corpus"
mkdir -p "$corpus"
cp -n tests/vectors/models/* "$corpus/" 2>/dev/null || true
exec "$BUILD/polyscore_fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=262144 -timeout=10 \
  -rss_limit_mb=4096 "$corpus"
