#!/usr/bin/env bash
# Server tests: real polyscore-serve processes on free loopback ports, talked to over
# gRPC (grpcio, tritonclient) and HTTP (requests, tritonclient, raw sockets).
# Generates the Python stubs from proto/ first. Needs build/ with -DPOLYSCORE_SERVER=ON.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
PY=$ROOT/.venv/bin/python
"$PY" -m pip install -q --disable-pip-version-check -r tests/server/requirements.txt \
  -r bindings/python/requirements-test.txt

# Generated under the Python package "wire" (wire.polyscore.v1, ...), so that the
# generated polyscore.v1 never meets the Python binding's package "polyscore".
export SERVE_GEN_DIR=$BUILD_DIR/tests-server-gen
rm -rf "$SERVE_GEN_DIR"; mkdir -p "$SERVE_GEN_DIR/proto/wire"
cp -r proto/fraud proto/polyscore proto/inference "$SERVE_GEN_DIR/proto/wire/"
"$PY" -m grpc_tools.protoc -I "$SERVE_GEN_DIR/proto" --python_out="$SERVE_GEN_DIR" \
  --grpc_python_out="$SERVE_GEN_DIR" wire/fraud/v1/fraud.proto wire/polyscore/v1/scoring.proto \
  wire/inference/grpc_predict_v2.proto

export POLYSCORE_BUILD_DIR=$BUILD_DIR
# tritonclient carries its own generated `inference` package, which cannot share a
# process with the stubs generated here: its test runs on its own.
status=0
"$PY" -m pytest -q tests/server -p no:cacheprovider --ignore=tests/server/test_triton_client.py "$@" || status=1
"$PY" -m pytest -q tests/server/test_triton_client.py -p no:cacheprovider "$@" || status=1
exit $status
