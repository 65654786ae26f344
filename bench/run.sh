#!/usr/bin/env bash
# polyscore beside XGBoost's and LightGBM's own predict. See bench/README.md.
#   bench/run.sh            full run (500-tree models, 100k rows, 5 repeats): bench/results/
#   bench/run.sh --quick    a few minutes (100-tree models, 20k rows, 3 repeats): bench/results/quick/
#   bench/run.sh --commit   full run, then commit bench/results/
#   bench/run.sh --rev REV  build polyscore from commit REV (git archive), not the work tree
#   bench/run.sh --sparse   only the sparse-input case (bench/sparse.py): bench/results/sparse/
#   bench/run.sh --memory   only resident memory per model beside the training libraries
#                           (bench/memory.py): bench/results/memory/
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
COMMIT=0
SPARSE=0
MEMORY=0
REV=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --commit) COMMIT=1 ;;
    --rev) REV=$2; shift ;;
    --sparse) SPARSE=1 ;;
    --memory) MEMORY=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
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

# 2. polyscore, Release, with the bench program: from the work tree (others may be editing
#    it: the report records HEAD and whether src/ differs), or from commit REV exactly.
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ -n "$REV" ]; then
  SHA=$(git rev-parse --short=12 "$REV^{commit}")
  SRC=$ROOT/build-bench/src-$SHA
  BUILD=$ROOT/build-bench/rev-$SHA
  if [ ! -d "$SRC" ]; then
    step "extracting commit $SHA into $SRC"
    mkdir -p "$SRC.tmp" && git archive "$SHA" | tar -x -C "$SRC.tmp" && mv "$SRC.tmp" "$SRC"
  fi
  export POLYSCORE_BENCH_SOURCE="commit $SHA (git archive, clean)"
else
  SRC=$ROOT
  BUILD=$ROOT/build-bench
  DIRTY=$(git status --porcelain -- src include CMakeLists.txt third_party | wc -l)
  if [ "$DIRTY" -gt 0 ]; then
    DIFF=$(git diff HEAD -- src include CMakeLists.txt third_party | sha256sum | cut -c1-12)
    export POLYSCORE_BENCH_SOURCE="work tree at $(git rev-parse --short=12 HEAD) with $DIRTY uncommitted file(s) in src/include (diff sha256 $DIFF)"
  else
    export POLYSCORE_BENCH_SOURCE="work tree at $(git rev-parse --short=12 HEAD), src/include clean"
  fi
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  step "configuring $BUILD"
  cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_BENCH=ON \
    -DPOLYSCORE_TESTS=OFF >/dev/null
fi
step "building polyscore (Release): $POLYSCORE_BENCH_SOURCE"
cmake --build "$BUILD" --target polyscore -j 2 >/dev/null
LIB=$BUILD/libpolyscore.so.1
if [ $SPARSE = 1 ]; then
  step "sparse input: bench/sparse.py (trains its own models; a few minutes)"
  "$PY" bench/sparse.py --lib "$LIB" --out bench/results/sparse
  exit 0
fi
# The harnesses come from this work tree's bench/ (so a --rev build measures commit REV's
# library with today's harness), compiled against REV's public header and library.
step "building ps_bench and the binding-cost harnesses (bench/ffi) against $LIB"
mkdir -p "$BUILD/bench"
g++ -std=c++17 -O2 -I"$SRC/include" -o "$BUILD/bench/ps_bench" bench/ps_bench.cc "$LIB" \
  -Wl,-rpath,"$BUILD"
PS_BENCH=$BUILD/bench/ps_bench
FFI=$BUILD/ffi
[ $MEMORY = 1 ] || PSFFI_SRC=$SRC bench/ffi/build.sh "$SRC" "$BUILD" "$FFI"  # not needed for memory
export PSFFI_SRC=$SRC

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

if [ $MEMORY = 1 ]; then
  step "resident memory per model: bench/memory.py (one process per implementation and repeat)"
  "$PY" bench/memory.py --models "$MODELS" --ps-bench "$PS_BENCH" --out bench/results/memory
  exit 0
fi

# 4. The other peers: TL2cgen and lleaves compile each model to native code, ONNX Runtime
#    needs a converted model. Done once per model file (cached in $MODELS/peers/; a first
#    full run spends ~15 min here, the 500-1000-tree models take 2-4 min each to compile).
step "compiling/converting the models for TL2cgen, lleaves, ONNX Runtime (cached in $MODELS/peers)"
"$PY" bench/peers.py "$MODELS" 2> >(grep -v -e 'Treelite version' -e 'checkpoint was generated' -e 'originated from a newer' -e 'Parallel compilation' >&2)

# 5. The measurements.
mkdir -p "$OUT"
step "measuring (one line per measurement)"
Q=()
[ $QUICK = 1 ] && Q=(--quick)
"$PY" bench/bench.py --models "$MODELS" --ps-bench "$PS_BENCH" --lib "$LIB" --out "$OUT" --ffi "$FFI" "${Q[@]}" \
  2> >(grep -v -e 'Treelite version' -e 'checkpoint was generated' -e 'originated from a newer' >&2)
step "results: $OUT/results.md"

if [ $COMMIT = 1 ] && [ $QUICK = 0 ]; then
  for i in 1 2 3 4 5; do
    if git add bench/results && git commit -q -m "bench: results of bench/run.sh" -- bench/results; then break; fi
    sleep 2
  done
fi
