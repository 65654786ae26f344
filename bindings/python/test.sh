#!/usr/bin/env bash
# The Python binding's suite: makes (or reuses) a venv, installs the package and the
# test requirements, and runs the binding tests and the fraud example's test
# (examples/fraud/python). Exits non-zero on any failure. The CLI has its own suite
# (tests/cli/test.sh).
#
# Env: POLYSCORE_BUILD_DIR (default <repo>/build), POLYSCORE_LIBRARY (default
# $POLYSCORE_BUILD_DIR/libpolyscore.so.1), POLYSCORE_PYTHON_VENV (default <repo>/.venv,
# the one scripts/setup.sh makes). Extra arguments go to pytest.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export POLYSCORE_BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
export POLYSCORE_LIBRARY=${POLYSCORE_LIBRARY:-$POLYSCORE_BUILD_DIR/libpolyscore.so.1}
if [ ! -f "$POLYSCORE_LIBRARY" ] || [ ! -x "$POLYSCORE_BUILD_DIR/polyscore" ]; then
  echo "bindings/python: no library at $POLYSCORE_LIBRARY or no CLI in $POLYSCORE_BUILD_DIR;" \
       "build first: cmake -S . -B build -G Ninja && cmake --build build" >&2
  exit 1
fi

# Python 3 with venv and pip (Debian: python3-venv).
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "== installing python3-venv"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
fi

VENV=${POLYSCORE_PYTHON_VENV:-$ROOT/.venv}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install -q --disable-pip-version-check)
"$PY" -c 'import numpy, pandas, pytest, scipy' 2>/dev/null || "${PIP[@]}" -r "$HERE/requirements-test.txt"
# The package's sources straight from this tree (installing it would build the library
# again: tests/packaging checks the wheel); the library is POLYSCORE_LIBRARY's.
export PYTHONPATH="$HERE/src${PYTHONPATH:+:$PYTHONPATH}"

cd "$ROOT"
exec "$PY" -m pytest -p no:cacheprovider -q "$@" \
  bindings/python/tests examples/fraud/python
