#!/usr/bin/env bash
# Interaction values against contributions (bench/explain/bench_interactions.py), in
# bench/explain/.venv with the bench models, as run.sh makes them.
#   bench/explain/run_interactions.sh [--rows N] [--repeats N] [--out F]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import xgboost' 2>/dev/null ||
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"
[ -f "$ROOT/build/libpolyscore.so.1" ] || cmake --build "$ROOT/build"
MODELS="${POLYSCORE_BENCH_MODELS:-$HERE/models}"
[ -f "$MODELS/xgb.json" ] ||
  OMP_NUM_THREADS=1 "$VENV/bin/python" "$ROOT/bench/make_models.py" --trees 500 --test-rows 2000 --out "$MODELS"
export POLYSCORE_LIBRARY="$ROOT/build/libpolyscore.so.1" OMP_NUM_THREADS=1
exec "$VENV/bin/python" "$HERE/bench_interactions.py" --models "$MODELS" "$@"
