#!/usr/bin/env bash
# SHAP contributions benchmark (bench/explain/bench_explain.py): makes its venv
# (bench/explain/.venv, pinned peers), the bench models (bench/make_models.py) and runs.
#   bench/explain/run.sh [--trees N] [bench_explain.py options]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TREES=500
if [ "${1:-}" = "--trees" ]; then TREES=$2; shift 2; fi
VENV="$HERE/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import xgboost, lightgbm, shap, fasttreeshap_fixed' 2>/dev/null ||
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"
[ -f "$ROOT/build/libpolyscore.so.1" ] || cmake --build "$ROOT/build"
MODELS="$HERE/models"
[ -f "$MODELS/xgb.json" ] ||
  OMP_NUM_THREADS=1 "$VENV/bin/python" "$ROOT/bench/make_models.py" --trees "$TREES" --test-rows 2000 --out "$MODELS"
export POLYSCORE_LIBRARY="$ROOT/build/libpolyscore.so.1" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "$VENV/bin/python" "$HERE/bench_explain.py" --models "$MODELS" "$@"
