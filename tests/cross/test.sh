#!/usr/bin/env bash
# Cross-builds the library and the C++ test suite for aarch64 with Debian's cross
# compiler (cmake/toolchains/aarch64-linux-gnu.cmake) and runs the conformance vectors
# and the walk checks under qemu-user (the portable walk, as an ARM server runs it), and
# compares its values and margins with the x86-64 CLI's ($POLYSCORE_BUILD_DIR, default build/).
# Needs g++-aarch64-linux-gnu and qemu-user (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TRIPLE=aarch64-linux-gnu
BUILD=${POLYSCORE_CROSS_BUILD_DIR:-$ROOT/build-aarch64}
DEPS=$BUILD/deps   # GoogleTest built for aarch64, and nlohmann_json's headers
TOOLCHAIN=$ROOT/cmake/toolchains/$TRIPLE.cmake
QEMU=(qemu-aarch64 -L /usr/$TRIPLE)

# GoogleTest: Debian ships its sources, which we build with the cross compiler once.
if [ ! -f "$DEPS/lib/cmake/GTest/GTestConfig.cmake" ]; then
  cmake -S /usr/src/googletest -B "$BUILD/googletest" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_INSTALL_PREFIX="$DEPS" -DBUILD_GMOCK=OFF >/dev/null
  cmake --build "$BUILD/googletest" -j2 >/dev/null
  cmake --install "$BUILD/googletest" >/dev/null
fi
# nlohmann_json is headers only: its Debian files, copied under the prefix the arm64
# build searches (its CMake file finds the headers relative to itself).
if [ ! -f "$DEPS/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake" ]; then
  mkdir -p "$DEPS/share/cmake" "$DEPS/include"
  cp -r /usr/share/cmake/nlohmann_json "$DEPS/share/cmake/"
  cp -r /usr/include/nlohmann "$DEPS/include/"
fi

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
  -DCMAKE_PREFIX_PATH="$DEPS" -DPOLYSCORE_WERROR=ON -DPOLYSCORE_INSTALL=OFF >/dev/null
cmake --build "$BUILD" -j2 --target polyscore_tests polyscore_cli

readelf -h "$BUILD/polyscore_tests" | grep -q 'Machine: *AArch64' ||
  { echo "$BUILD/polyscore_tests is not an aarch64 program" >&2; exit 1; }

# The whole C++ suite: every conformance vector (dense f32/f64, CSR, single row; values,
# margins, leaves and SHAP contributions bit for bit), the sparse vectors and the checks
# that compare every walk with the general one; and beside it (each run is one thread,
# CI machines have two cores) the vectors again with only the general walks (as ctest's
# ConformanceGeneralWalks).
source tests/cross/side_by_side.sh
start_beside "the whole suite" "${QEMU[@]}" "$BUILD/polyscore_tests" --gtest_brief=1
start_beside "the vectors with only the general walks" env POLYSCORE_NO_HEAP_WALK=1 "${QEMU[@]}" \
  "$BUILD/polyscore_tests" --gtest_brief=1 --gtest_filter='Vectors/*Conformance.*'
wait_beside || { echo "aarch64 (qemu-user): the C++ suite FAILED" >&2; exit 1; }

# Every case's values and margins, byte for byte as the x86-64 CLI prints them (the
# conformance test allows 1e-6 relative; this allows nothing).
X86_CLI=${POLYSCORE_BUILD_DIR:-$ROOT/build}/polyscore
[ -x "$X86_CLI" ] || { echo "no x86-64 CLI at $X86_CLI (scripts/setup.sh builds it)" >&2; exit 1; }
python3 tests/cross/same_as_x86.py "$X86_CLI" "$BUILD/polyscore" "${QEMU[@]}"
# The command-line tool, a client of the arm64 libpolyscore.so.1: the README's fraud row.
got=$(echo "0.4,1.2" | "${QEMU[@]}" "$BUILD/polyscore" predict examples/fraud/fraud-v3.json --input -)
[ "$got" = "0.8551127314567566" ] || { echo "fraud example: got '$got'" >&2; exit 1; }
echo "aarch64 (qemu-user): all checks passed"
