#!/usr/bin/env bash
# The interop spectrum, measured (bench/spectrum/README.md): the same rows of the fraud
# model and of the 500-tree benchmark model scored in-process (C, Python, Go, Java,
# Node), over gRPC
# (Unix socket, TCP), REST/JSON, the Open Inference Protocol, NATS request-reply and
# JetStream, at batch sizes 1, 16, 256 and 1,000. Starts polyscore-serve, nats-server and
# polyscore-worker on free loopback ports and temporary directories, and stops them.
#   bash bench/spectrum/run.sh           # ~10 min: 3 repeats; writes results.md, results.png
#   bash bench/spectrum/run.sh --quick   # ~3 min: 2 shorter repeats, same outputs
#   bash bench/spectrum/run.sh --smoke   # seconds: the fraud model only, batches 1 and 16,
#                                        # outputs in a temporary directory (tests run this)
# POLYSCORE_BUILD_DIR (default build/) is configured with the server, worker and
# spectrum programs and only those targets are built.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
HERE=$ROOT/bench/spectrum
mode=full
for arg in "$@"; do
  case $arg in
    --quick) mode=quick ;;
    --smoke) mode=smoke ;;
    *) echo "usage: bench/spectrum/run.sh [--quick | --smoke]" >&2; exit 2 ;;
  esac
done
case $mode in
  full)  repeats=3; seconds=0.4;  batches=1,16,256,1000; clients=4 ;;
  quick) repeats=2; seconds=0.15; batches=1,16,256,1000; clients=4 ;;
  smoke) repeats=1; seconds=0.02; batches=1,16;          clients=2 ;;
esac

echo "== building (server, worker, spectrum client) in $BUILD" >&2
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_SERVER=ON \
  -DPOLYSCORE_WORKER=ON -DPOLYSCORE_SPECTRUM=ON >/dev/null
cmake --build "$BUILD" -j2 --target polyscore_serve polyscore_worker spectrum_client >/dev/null
echo "== building the Go, Java and Node points (bench/spectrum/bindings.sh)" >&2
BIND=$BUILD/spectrum-bindings
bash bench/spectrum/bindings.sh "$BUILD" "$BIND" >&2

# Python: numpy and matplotlib for the Python point and the report; xgboost only to train
# the 500-tree model (pinned like bench/requirements.txt; outside git).
VENV=$HERE/.venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
PY=$VENV/bin/python

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The models, in the layout both polyscore-serve and polyscore-worker read.
mkdir -p "$work/models/fraud-v3/1"
cp examples/fraud/fraud-v3.json "$work/models/fraud-v3/1/model.json"
models=("fraud-v3")
if [ "$mode" != smoke ]; then
  XGB=$BUILD/spectrum-models/xgb-500.json
  if [ ! -f "$XGB" ] || [ "$XGB" -ot bench/spectrum/make_model.py ]; then
    echo "== training the 500-tree model (bench/spectrum/make_model.py, once)" >&2
    "$VENV/bin/pip" install -q -r "$HERE/requirements-train.txt"
    mkdir -p "$(dirname "$XGB")"
    "$PY" bench/spectrum/make_model.py "$XGB"
  fi
  mkdir -p "$work/models/xgb-500/1"
  cp "$XGB" "$work/models/xgb-500/1/model.json"
  models+=("xgb-500")
fi

wait_for() {  # wait_for FILE PATTERN WHAT
  for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for $3:" >&2; cat "$1" >&2; exit 1
}

"$BUILD/polyscore-serve" --models "$work/models" --http 127.0.0.1:0 --grpc 127.0.0.1:0 \
  --grpc-unix "$work/serve.sock" --poll-seconds 0 2>"$work/serve.log" &
serve=$!; pids+=("$serve")
wait_for "$work/serve.log" '"serving"' "polyscore-serve"
http_port=$(grep -o '"http_port":[0-9]*' "$work/serve.log" | cut -d: -f2)
grpc_port=$(grep -o '"grpc_port":[0-9]*' "$work/serve.log" | cut -d: -f2)

nats-server -js -a 127.0.0.1 -p -1 -sd "$work/nats" -l "$work/nats.log" &
nats=$!; pids+=("$nats")
wait_for "$work/nats.log" "Server is ready" "nats-server"
nats_port=$(grep -o 'client connections on 127.0.0.1:[0-9]*' "$work/nats.log" | grep -o '[0-9]*$')

"$BUILD/polyscore-worker" --nats "nats://127.0.0.1:$nats_port" --models "$work/models" \
  2>"$work/worker.log" &
worker=$!; pids+=("$worker")
wait_for "$work/worker.log" "polyscore-worker: ready" "polyscore-worker"

raw=$work/raw.jsonl
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512bw|fma|bmi2' | sort -u | xargs)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start_time=$(date +%s)
for name in "${models[@]}"; do
  file=$work/models/$name/1/model.json
  echo "== $name: $repeats repeat(s) of every point and batch size ($clients clients for throughput)" >&2
  "$BUILD/bench/spectrum/spectrum_client" --model-file "$file" --model "$name" \
    --rows-out "$work/$name.rows" --batches "$batches" --repeats "$repeats" --seconds "$seconds" \
    --clients "$clients" --grpc "127.0.0.1:$grpc_port" --grpc-unix "$work/serve.sock" \
    --http "127.0.0.1:$http_port" --nats "nats://127.0.0.1:$nats_port" \
    --serve-pid "$serve" --worker-pid "$worker" --nats-pid "$nats" >>"$raw"
  POLYSCORE_LIBRARY=$BUILD/libpolyscore.so.1 "$PY" bench/spectrum/py_inprocess.py \
    --model-file "$file" --model "$name" --rows "$work/$name.rows" --batches "$batches" \
    --repeats "$repeats" --seconds "$seconds" --clients "$clients" >>"$raw"
  "$BIND/spectrum_go" -model-file "$file" -model "$name" -rows "$work/$name.rows" \
    -batches "$batches" -repeats "$repeats" -seconds "$seconds" -clients "$clients" >>"$raw"
  java -cp "$BIND/java-classes" -Dpolyscore.jni.path="$BIND/libpolyscore_jni.so" \
    -Dpolyscore.library.path="$BUILD/libpolyscore.so.1" Spectrum "$file" "$name" "$work/$name.rows" \
    "$batches" "$repeats" "$seconds" "$clients" >>"$raw"
  POLYSCORE_NODE_ADDON=$BIND/polyscore.node node bench/spectrum/node/spectrum.js "$file" "$name" \
    "$work/$name.rows" "$batches" "$repeats" "$seconds" "$clients" >>"$raw"
done
elapsed=$(( $(date +%s) - start_time ))

if [ "$mode" = smoke ]; then out=$work/out; mkdir -p "$out"; else out=$HERE; fi
command="bash bench/spectrum/run.sh${1:+ $1}"
"$PY" bench/spectrum/report.py "$raw" --out "$out" --command "$command" \
  --machine "$(nproc) cores of $cpu ($flags)" --load "$load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end" \
  --commit "$(git rev-parse --short HEAD)" --elapsed "$elapsed" --repeats "$repeats" --seconds "$seconds" \
  --clients "$clients"
if [ "$mode" = smoke ]; then
  test -s "$out/results.md" && test -s "$out/results.png"
  echo "smoke: $(wc -l <"$raw") measurements, report and chart made" >&2
else
  cp "$raw" "$HERE/results.jsonl"
  echo "wrote $out/results.md, $out/results.png, $out/results.jsonl" >&2
fi
