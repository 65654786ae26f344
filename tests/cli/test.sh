#!/usr/bin/env bash
# The CLI's suite: runs tests/cli (pytest) against $POLYSCORE_BUILD_DIR/polyscore. The
# round-trip tests also score through the Python binding, imported from its sources
# (bindings/python/src), as bindings/python/test.sh does: an editable install would
# build the library again and put a finder in the venv that wins over PYTHONPATH.
#
# Env: POLYSCORE_BUILD_DIR (default <repo>/build), POLYSCORE_LIBRARY (default
# $POLYSCORE_BUILD_DIR/libpolyscore.so.1), POLYSCORE_PYTHON_VENV (default <repo>/.venv).
# Extra arguments go to pytest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export POLYSCORE_BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
export POLYSCORE_LIBRARY=${POLYSCORE_LIBRARY:-$POLYSCORE_BUILD_DIR/libpolyscore.so.1}
if [ ! -x "$POLYSCORE_BUILD_DIR/polyscore" ]; then
  echo "tests/cli: no CLI at $POLYSCORE_BUILD_DIR/polyscore; run scripts/setup.sh first" >&2
  exit 1
fi
PY=${POLYSCORE_PYTHON_VENV:-$ROOT/.venv}/bin/python
"$PY" -c 'import numpy, pytest' 2>/dev/null ||
  "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/bindings/python/requirements-test.txt"
export PYTHONPATH="$ROOT/bindings/python/src${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT"
exec "$PY" -m pytest -p no:cacheprovider -q "$@" tests/cli
