#!/usr/bin/env bash
# polyscore beside XGBoost's and LightGBM's own predict. See bench/README.md.
#   bench/run.sh            full run (500-tree models, 100k rows, 5 repeats): bench/results/
#   bench/run.sh --quick    a few minutes (100-tree models, 20k rows, 3 repeats): bench/results/quick/
#   bench/run.sh --commit   full run, then commit bench/results/
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
COMMIT=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --commit) COMMIT=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $a" >&2; exit 2 ;;
  esac
done

step() { echo "[run.sh] $*" >&2; }

# 1. The venv with the pinned peers (outside git).
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV"
  python3 -m venv "$VENV"
fi
step "installing pinned packages (bench/requirements.txt)"
"$VENV/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
PY="$VENV/bin/python"

# 2. polyscore, Release, with the bench program.
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ ! -f build-bench/CMakeCache.txt ]; then
  step "configuring build-bench/"
  cmake -S . -B build-bench "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_BENCH=ON \
    -DPOLYSCORE_TESTS=OFF >/dev/null
fi
step "building polyscore (Release) and ps_bench"
cmake --build build-bench --target ps_bench -j 2 >/dev/null
PS_BENCH=$ROOT/build-bench/bench/ps_bench
LIB=$ROOT/build-bench/libpolyscore.so.1

# 3. Models and test rows, regenerated when the script or the settings change.
if [ $QUICK = 1 ]; then
  MODELS=bench/models-quick; OUT=bench/results/quick; MM_ARGS=(--trees 100 --test-rows 20000)
else
  MODELS=bench/models; OUT=bench/results; MM_ARGS=(--trees 500 --test-rows 100000)
fi
STAMP="$(sha256sum bench/make_models.py | cut -c1-16) ${MM_ARGS[*]}"
if [ ! -f "$MODELS/stamp" ] || [ "$(cat "$MODELS/stamp")" != "$STAMP" ]; then
  step "training models into $MODELS (${MM_ARGS[*]})"
  "$PY" bench/make_models.py "${MM_ARGS[@]}" --out "$MODELS" >/dev/null
  echo "$STAMP" > "$MODELS/stamp"
else
  step "models in $MODELS are up to date"
fi

# 4. The measurements.
mkdir -p "$OUT"
step "measuring (one line per measurement)"
Q=()
[ $QUICK = 1 ] && Q=(--quick)
"$PY" bench/bench.py --models "$MODELS" --ps-bench "$PS_BENCH" --lib "$LIB" --out "$OUT" "${Q[@]}"
step "results: $OUT/results.md"

if [ $COMMIT = 1 ] && [ $QUICK = 0 ]; then
  for i in 1 2 3 4 5; do
    if git add bench/results && git commit -q -m "bench: results of bench/run.sh" -- bench/results; then break; fi
    sleep 2
  done
fi
