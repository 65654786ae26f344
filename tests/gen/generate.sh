#!/usr/bin/env bash
# Regenerate the conformance vectors in tests/vectors/ with the real training
# libraries, and the bundled example in examples/fraud/.
#
# Makes Python venvs outside the repo (under $POLYSCORE_GEN_VENVS, default
# /tmp/polyscore-gen-venvs), pip-installs pinned versions into each, and runs
# tests/gen/make_*.py in them.  Re-runnable: existing venvs are reused,
# tests/vectors/ is rebuilt from scratch, and the output is deterministic.
#
# Pinned environments (exact versions, including dependencies, so that reruns
# give byte-identical files):
#   new: xgboost 3.2.0, lightgbm 4.7.0
#   old: xgboost 1.7.6, lightgbm 3.3.5, numpy<2 (1.26.4)
#   xgb34: xgboost 3.4.1, the newest XGBoost release (no lightgbm), cases named xgb34_*.
#     xgboost 3.3.0 and later declare Requires-Python >=3.12, so pip on this Python 3.11
#     hides them; their wheel is py3-none-manylinux_2_28 (the library is a .so loaded by
#     ctypes) and works on 3.11, so it is downloaded for 3.12 and installed with
#     --no-deps --ignore-requires-python (its dependencies, numpy and scipy, are pinned here).
#   lgb2.0, lgb2.1, lgb2.2: lightgbm 2.0.12, 2.1.2 and 2.2.3, the writers of "version=v2" model files;
#     their wheels need an older Python ($POLYSCORE_GEN_PYTHON37, default python3.7,
#     e.g. pyenv's). They only write model files: LightGBM 4.x (new) scores them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENVS="${POLYSCORE_GEN_VENVS:-/tmp/polyscore-gen-venvs}"
PYTHON="${POLYSCORE_GEN_PYTHON:-python3.11}"
OUT="$REPO/tests/vectors"

PYTHON37="${POLYSCORE_GEN_PYTHON37:-python3.7}"

NEW_PKGS=(xgboost==3.2.0 lightgbm==4.7.0 numpy==2.4.6 scipy==1.17.1 pandas==3.1.1)
OLD_PKGS=(xgboost==1.7.6 lightgbm==3.3.5 numpy==1.26.4 scipy==1.17.1 scikit-learn==1.9.1 pandas==2.2.3)
LGB2_DEPS=(numpy==1.21.6 scipy==1.7.3 scikit-learn==1.0.2)
XGB34_DEPS=(numpy==2.4.6 scipy==1.17.1 pandas==3.1.1)
XGB34=xgboost==3.4.1

make_venv() {
    local name="$1"; shift
    local dir="$VENVS/$name"
    if [ ! -x "$dir/bin/python" ]; then
        mkdir -p "$VENVS"
        case "$name" in lgb2*) "$PYTHON37" -m venv "$dir" ;; *) "$PYTHON" -m venv "$dir" ;; esac
    fi
    "$dir/bin/python" -m pip install --disable-pip-version-check -q "$@"
}

make_venv new "${NEW_PKGS[@]}"
make_venv old "${OLD_PKGS[@]}"
make_venv lgb2.0 --only-binary=:all: lightgbm==2.0.12 "${LGB2_DEPS[@]}"
make_venv lgb2.1 --only-binary=:all: lightgbm==2.1.2 "${LGB2_DEPS[@]}"
make_venv lgb2.2 --only-binary=:all: lightgbm==2.2.3 "${LGB2_DEPS[@]}"
make_venv xgb34 "${XGB34_DEPS[@]}"
if ! "$VENVS/xgb34/bin/python" -c 'import sys, xgboost; sys.exit(xgboost.__version__ != "3.4.1")' 2>/dev/null; then
    rm -rf "$VENVS/xgb34-wheel"
    "$VENVS/xgb34/bin/python" -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
        --python-version 3.12 "$XGB34" -d "$VENVS/xgb34-wheel"
    "$VENVS/xgb34/bin/python" -m pip install --disable-pip-version-check -q --no-deps --ignore-requires-python \
        "$VENVS"/xgb34-wheel/xgboost-3.4.1-*.whl
fi

# Start from a clean output folder so that stale cases cannot survive.
rm -rf "$OUT/models" "$OUT/data" "$OUT/manifest.json" "$OUT/SKIPPED.md" "$OUT/sparse" "$OUT/frames"
mkdir -p "$OUT"

# Single-threaded BLAS/OpenMP keeps training deterministic.
export OMP_NUM_THREADS=1 PYTHONHASHSEED=0

for env in new old xgb34; do
    echo "== $env: $("$VENVS/$env/bin/python" -c 'import xgboost; print("xgboost", xgboost.__version__)')"
    "$VENVS/$env/bin/python" "$HERE/make_vectors.py" --out "$OUT" > "$VENVS/$env.make_vectors.log"
    tail -n 1 "$VENVS/$env.make_vectors.log"
    "$VENVS/$env/bin/python" "$HERE/make_contrib_vectors.py" --out "$OUT"
    "$VENVS/$env/bin/python" "$HERE/make_interaction_vectors.py" --out "$OUT"
done

echo "== LightGBM 2.x model files (version=v2), scored by LightGBM 4.x"
for env in lgb2.0 lgb2.1 lgb2.2; do
    "$VENVS/$env/bin/python" "$HERE/make_lgb2_vectors.py" train --out "$OUT"
done
"$VENVS/new/bin/python" "$HERE/make_lgb2_vectors.py" score --out "$OUT"

echo "== pandas DataFrames (tests/vectors/frames)"
for env in new old xgb34; do
    "$VENVS/$env/bin/python" "$HERE/make_frame_vectors.py" --out "$OUT/frames"
done
"$VENVS/new/bin/python" "$HERE/make_quoted_frame_vectors.py" --out "$OUT/frames"
"$VENVS/new/bin/python" "$HERE/make_category_kind_vectors.py" --out "$OUT/frames"

echo "== sparse input (tests/vectors/sparse)"
"$VENVS/new/bin/python" "$HERE/make_sparse_vectors.py" --out "$OUT"
"$VENVS/xgb34/bin/python" "$HERE/make_sparse_vectors.py" --out "$OUT"

echo "== per-row offsets, base_margin (tests/vectors/offsets)"
rm -rf "$OUT/offsets"
for env in new old xgb34; do
    "$VENVS/$env/bin/python" "$HERE/make_offset_vectors.py" --out "$OUT"
done

echo "== XGBoost files explained by the other SHAP algorithm (tests/vectors/shap_algorithms)"
rm -rf "$OUT/shap_algorithms"
for env in xgb34 new; do
    "$VENVS/$env/bin/python" "$HERE/make_shap_algorithm_vectors.py" --out "$OUT"
done

echo "== fraud example"
(cd "$REPO/examples/fraud" && "$VENVS/new/bin/python" train_fraud.py)

echo "== the features each model's splits test as categories (categorical_features.json)"
python3 "$HERE/make_categorical_feature_vectors.py" --out "$OUT"

python3 "$HERE/check_vectors.py" "$OUT"
du -sh "$OUT"
