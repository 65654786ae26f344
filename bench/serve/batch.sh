#!/usr/bin/env bash
# One large batch (ROWS, default 1,000) through polyscore serve as a client sees it, over
# gRPC polyscore.v1 and REST /v1/predict, beside the in-process call and the loopback
# transfer of the same bytes, with encode and decode timed apart (batch.cc). Starts its
# own server.
#   bash bench/serve/batch.sh [MODEL_FILE]
# Default model: bench/models/xgb.json (500 trees, 50 features), made by bench/run.sh or
# `python bench/make_models.py` (needs xgboost and lightgbm, bench/requirements.txt).
# Environment: ROWS (1000), ROUNDS (10), CALLS (20 per transport and round), SERVER (the
# polyscore-serve binary, default the build's: to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
MODEL_FILE=${1:-$ROOT/bench/models/xgb.json}
if [ ! -f "$MODEL_FILE" ]; then
  echo "no $MODEL_FILE: make it with bench/run.sh or python bench/make_models.py (bench/requirements.txt)" >&2
  exit 2
fi
cmake --build "$BUILD" --target polyscore_serve polyscore_serve_batch >/dev/null

work=$(mktemp -d)
name=$(basename "${MODEL_FILE%.*}")
mkdir -p "$work/models/$name/1"
cp "$MODEL_FILE" "$work/models/$name/1/model.${MODEL_FILE##*.}"
"${SERVER:-$BUILD/polyscore-serve}" --models "$work/models" --http 127.0.0.1:0 --grpc 127.0.0.1:0 --poll-seconds 0 \
  2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '"serving"' "$work/log" && break; sleep 0.05; done
http_port=$(grep -o '"http_port":[0-9]*' "$work/log" | cut -d: -f2)
grpc_port=$(grep -o '"grpc_port":[0-9]*' "$work/log" | cut -d: -f2)

echo "CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; model $name ($MODEL_FILE)"
"$BUILD/polyscore_serve_batch" --model-file "$MODEL_FILE" --model "$name" --grpc "127.0.0.1:$grpc_port" \
  --http "127.0.0.1:$http_port" --server-pid "$server" --rows "${ROWS:-1000}" --rounds "${ROUNDS:-10}" --calls "${CALLS:-20}"
