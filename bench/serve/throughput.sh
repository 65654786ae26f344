#!/usr/bin/env bash
# Throughput of polyscore serve with many connections, from standard load generators on
# the same machine: wrk for REST (POST /predict, keep-alive) and h2load for gRPC
# (fraud.v1.FraudScorer/Predict over h2c, CONNECTIONS connections x STREAMS streams),
# beside the in-process rate of the same row (ps_model_predict_row on THREADS threads).
# Starts its own server; installs wrk and h2load (Debian wrk, nghttp2-client) if missing.
#   bash bench/serve/throughput.sh [--smoke] [MODEL_FILE FEATURES]
# (default: the fraud model and its row 0.4,1.2). Environment: SECONDS_PER_RUN (10),
# ROUNDS (3), CONNECTIONS (64), STREAMS (1; gRPC streams per connection), THREADS (2;
# server threads per protocol and in-process threads). --smoke: one 2 s round of each on
# 8 connections, failing unless every request succeeded (a check that the script works).
# SERVER: the polyscore-serve binary (default the build's), to compare two builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
SMOKE=0
if [ "${1:-}" = "--smoke" ]; then SMOKE=1; shift; fi
MODEL_FILE=${1:-$ROOT/examples/fraud/fraud-v3.json}
FEATURES=${2:-0.4,1.2}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
STREAMS=${STREAMS:-1}
THREADS=${THREADS:-2}
if [ "$SMOKE" = 1 ]; then SECONDS_PER_RUN=2; ROUNDS=1; CONNECTIONS=8; fi

if ! command -v wrk >/dev/null || ! command -v h2load >/dev/null; then
  echo "== installing wrk and h2load (apt: wrk nghttp2-client)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk nghttp2-client >/dev/null
fi
cmake --build "$BUILD" --target polyscore_serve polyscore_serve_in_process_rate >/dev/null

work=$(mktemp -d)
name=$(basename "${MODEL_FILE%.*}")
mkdir -p "$work/models/$name/1"
cp "$MODEL_FILE" "$work/models/$name/1/model.${MODEL_FILE##*.}"
"${SERVER:-$BUILD/polyscore-serve}" --models "$work/models" --http 127.0.0.1:0 --grpc 127.0.0.1:0 --poll-seconds 0 \
  --http-threads "$THREADS" --grpc-fraud-threads "$THREADS" --max-concurrent 100000 2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '"serving"' "$work/log" && break; sleep 0.05; done
http_port=$(grep -o '"http_port":[0-9]*' "$work/log" | cut -d: -f2)
grpc_port=$(grep -o '"grpc_port":[0-9]*' "$work/log" | cut -d: -f2)

# The request bodies: the JSON for REST, and for gRPC the length-prefixed protobuf
# fraud.v1.PredictRequest{features (packed doubles, field 1), model (field 2)}.
python3 - "$FEATURES" "$name" "$work" <<'EOF'
import struct, sys
features = [float(x) for x in sys.argv[1].split(",")]
name, work = sys.argv[2], sys.argv[3]
def varint(n):
    out = b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            return out
packed = struct.pack("<%dd" % len(features), *features)
message = b"\x0a" + varint(len(packed)) + packed + b"\x12" + varint(len(name)) + name.encode()
open(work + "/grpc.bin", "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
body = '{"features":[%s],"model":"%s"}' % (",".join(repr(f) for f in features), name)
open(work + "/wrk.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = \'%s\'\n' % body)
EOF

# One wrk run: requests/s and latency percentiles; fails on any error or non-2xx answer.
rest_round() {
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$work/wrk.lua" \
    "http://127.0.0.1:$http_port/predict" >"$work/wrk.out"
  if grep -qE "Non-2xx|Socket errors" "$work/wrk.out"; then cat "$work/wrk.out"; echo "FAIL: REST errors"; exit 1; fi
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2}
       END {printf "%-44s %10.0f req/s  p50 %8s  p90 %8s  p99 %8s\n", "REST wrk POST /predict", rps, p50, p90, p99}' \
    "$work/wrk.out"
}

# One h2load run: requests/s and latency percentiles from its per-request log; fails
# unless every request got HTTP 200 (gRPC statuses are checked on /metrics below).
grpc_round() {
  rm -f "$work/h2load.log"
  h2load -c"$CONNECTIONS" -m"$STREAMS" -t1 -D"$SECONDS_PER_RUN" --log-file="$work/h2load.log" \
    -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/grpc.bin" \
    "http://127.0.0.1:$grpc_port/fraud.v1.FraudScorer/Predict" >"$work/h2load.out"
  if ! grep -qE "requests: .* 0 failed, 0 errored" "$work/h2load.out"; then
    cat "$work/h2load.out"; echo "FAIL: gRPC requests failed"; exit 1
  fi
  if awk -F'\t' '$2 != 200 {bad=1} END {exit !bad}' "$work/h2load.log"; then echo "FAIL: non-200 gRPC answers"; exit 1; fi
  rps=$(grep -o 'finished in [0-9.]*[a-z]*, [0-9.]* req/s' "$work/h2load.out" | awk '{print $4}')
  cut -f3 "$work/h2load.log" | sort -n | awk -v rps="$rps" \
    -v name="gRPC h2load FraudScorer/Predict (x$STREAMS str)" '
    {v[NR]=$1} END {printf "%-44s %10.0f req/s  p50 %6.0fus  p90 %6.0fus  p99 %6.0fus\n",
                    name, rps, v[int(NR*0.5)+1], v[int(NR*0.9)+1], v[int(NR*0.99)+1]}'
}

echo "CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model $name, row $FEATURES; $CONNECTIONS connections, ${SECONDS_PER_RUN}s per run, $ROUNDS rounds;" \
     "server --http-threads $THREADS --grpc-fraud-threads $THREADS; load generators on 1 thread, same machine"
echo "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); $(h2load --version | head -1)"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  rest_round
  grpc_round
  "$BUILD/polyscore_serve_in_process_rate" --model-file "$MODEL_FILE" --features "$FEATURES" \
    --threads "$THREADS" --seconds "$SECONDS_PER_RUN"
done

# Every gRPC call answered OK: no status other than OK on the fraud endpoint.
metrics=$(python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$http_port/metrics').read().decode())")
not_ok=$(echo "$metrics" | grep '^polyscore_requests_total{endpoint="grpc_fraud_predict"' | grep -v 'status="OK"' || true)
ok=$(echo "$metrics" | grep '^polyscore_requests_total{endpoint="grpc_fraud_predict"' | grep 'status="OK"' | awk '{print $2}' || true)
if [ -n "$not_ok" ] || [ -z "$ok" ]; then echo "$not_ok"; echo "FAIL: gRPC calls not OK"; exit 1; fi
echo "OK: every request succeeded ($ok gRPC calls answered OK)"
