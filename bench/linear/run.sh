#!/usr/bin/env bash
# LightGBM linear trees: polyscore beside LightGBM's own predict (bench_linear.py).
# Makes (or reuses) a venv outside the repository with the pinned LightGBM, and runs the
# benchmark against the library in build/ (POLYSCORE_BUILD_DIR). Writes
# bench/linear/results.json. Extra arguments go to bench_linear.py.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
VENV=${POLYSCORE_BENCH_LINEAR_VENV:-/tmp/polyscore-bench-linear-venv}
[ -f "$BUILD/libpolyscore.so.1" ] || { echo "bench/linear: build the library first ($BUILD)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"
export POLYSCORE_LIBRARY="$BUILD/libpolyscore.so.1"
export PYTHONPATH="$ROOT/bindings/python/src${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=1
exec "$VENV/bin/python" "$HERE/bench_linear.py" --out "$HERE/results.json" "$@"
