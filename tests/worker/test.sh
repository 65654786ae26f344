#!/usr/bin/env bash
# The worker's suite: a real nats-server with JetStream per test (loopback, free port,
# temporary store), `polyscore worker` from the build, and a Python client (nats-py)
# using classes generated from proto/ by protoc. Extra arguments go to pytest.
#
# Env: POLYSCORE_BUILD_DIR (default <repo>/build), POLYSCORE_PYTHON_VENV (default
# <repo>/.venv, the one scripts/setup.sh makes).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export POLYSCORE_BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
if [ ! -x "$POLYSCORE_BUILD_DIR/polyscore-worker" ]; then
  echo "tests/worker: no $POLYSCORE_BUILD_DIR/polyscore-worker; build with -DPOLYSCORE_WORKER=ON" >&2
  exit 1
fi
command -v nats-server >/dev/null || { echo "tests/worker: nats-server not installed" >&2; exit 1; }

VENV=${POLYSCORE_PYTHON_VENV:-$ROOT/.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -c 'import nats, google.protobuf, pytest' 2>/dev/null ||
  "$PY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"

# The message classes, generated from the same .proto files as the worker. Their
# package `polyscore` is made a regular package so it wins over the Python binding's.
GEN=$(mktemp -d); trap 'rm -rf "$GEN"' EXIT
protoc --python_out="$GEN" -I "$ROOT/proto" "$ROOT/proto/polyscore/v1/scoring.proto" \
  "$ROOT/proto/polyscore/v1/queue.proto"
touch "$GEN/polyscore/__init__.py" "$GEN/polyscore/v1/__init__.py"

cd "$HERE"
# Its own temporary directory (pytest clears it each run): logs stay there for a look.
PYTHONPATH="$GEN:$HERE" exec "$PY" -m pytest -p no:cacheprovider -q \
  --basetemp "$POLYSCORE_BUILD_DIR/worker-tests" "$@" "$HERE"
