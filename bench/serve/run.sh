#!/usr/bin/env bash
# Latency of one row through polyscore serve, one client, loopback: gRPC over TCP and
# over a Unix socket, REST with keep-alive, and the same call in-process, after the
# floor (a plain blocking TCP and Unix socket ping-pong of the REST exchange's sizes
# between two processes: what the kernel and the VM cost alone). Runs ROUNDS
# rounds (default 5) and prints each round, so the spread is visible; a busy machine
# shows in the max and p99 columns first.
#   bash bench/serve/run.sh [MODEL_FILE FEATURES]   (default: the fraud model, 0.4,1.2)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
MODEL_FILE=${1:-$ROOT/examples/fraud/fraud-v3.json}
FEATURES=${2:-0.4,1.2}
ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-20000}
cmake --build "$BUILD" --target polyscore_serve polyscore_serve_latency >/dev/null

work=$(mktemp -d)
name=$(basename "${MODEL_FILE%.*}")
mkdir -p "$work/models/$name/1"
cp "$MODEL_FILE" "$work/models/$name/1/model.${MODEL_FILE##*.}"
"$BUILD/polyscore-serve" --models "$work/models" --http 127.0.0.1:0 --grpc 127.0.0.1:0 \
  --grpc-unix "$work/serve.sock" --poll-seconds 0 2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '"serving"' "$work/log" && break; sleep 0.05; done
http_port=$(grep -o '"http_port":[0-9]*' "$work/log" | cut -d: -f2)
grpc_port=$(grep -o '"grpc_port":[0-9]*' "$work/log" | cut -d: -f2)

echo "model $name ($MODEL_FILE), row $FEATURES, $REQUESTS requests per transport and round, $(nproc) cores"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  "$BUILD/polyscore_serve_latency" --model-file "$MODEL_FILE" --model "$name" --features "$FEATURES" \
    --grpc "127.0.0.1:$grpc_port" --grpc "unix:$work/serve.sock" --http "127.0.0.1:$http_port" \
    --server-pid "$server" --requests "$REQUESTS" --warmup 2000
done
