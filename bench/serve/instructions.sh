#!/usr/bin/env bash
# Instructions per one-row fraud.v1 call, counted by callgrind: exact, and the same on a
# busy machine, where wall-clock latency is not (bench/serve/README.md). Server: counters
# zeroed after 200 warm-up calls, then 2,000 calls of the async client. Client: the
# difference between runs of 2,200 and 200 calls, so start-up cancels out.
#   bash bench/serve/instructions.sh [SERVER] [CLIENT_ARGS...]
#   (default: build/polyscore-serve; e.g. "--tuned 0" for gRPC's default client)
#   SERVER_ARGS: extra server arguments (e.g. "--grpc-arg grpc.enable_channelz=0");
#   SIDES: "server client" (default) or one of them; CLIENTS: the client kinds to count
#   (default "blocking async"; also callback)
# Needs valgrind. Takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
SERVER=${1:-$BUILD/polyscore-serve}
shift || true
CLIENT=$BUILD/polyscore_serve_latency
cmake --build "$BUILD" --target polyscore_serve_latency >/dev/null

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/models/fraud-v3/1"
cp examples/fraud/fraud-v3.json "$work/models/fraud-v3/1/model.json"
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'; }
start_server() {  # [valgrind args...]
  rm -f "$work/log"
  # shellcheck disable=SC2086
  "$@" "$SERVER" --models "$work/models" --grpc 127.0.0.1:0 --poll-seconds 0 ${SERVER_ARGS:-} 2>"$work/log" &
  server=$!
  for _ in $(seq 600); do grep -q '"serving"' "$work/log" && break; sleep 0.1; done
  port=$(grep -o '"grpc_port":[0-9]*' "$work/log" | cut -d: -f2)
}
calls() {  # N clients [valgrind args...]
  local n=$1 clients=$2; shift 2
  "$@" "$CLIENT" --model fraud-v3 --grpc "127.0.0.1:$port" --requests "$n" --warmup 0 \
    --clients "$clients" "${CLIENT_ARGS[@]}" >/dev/null 2>&1
}
CLIENT_ARGS=("$@")

SIDES=${SIDES:-server client}
if [[ " $SIDES " == *" server "* ]]; then
  start_server valgrind --tool=callgrind --callgrind-out-file="$work/server.out"
  calls 200 async
  callgrind_control -z "$server" >/dev/null
  calls 2000 async
  callgrind_control -d "$server" >/dev/null
  sleep 0.5
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  echo "server $(basename "$SERVER")${SERVER_ARGS:+ $SERVER_ARGS}: $(( $(total "$work/server.out.1") / 2000 )) instructions per call"
fi
[[ " $SIDES " == *" client "* ]] || exit 0

start_server
for clients in ${CLIENTS:-blocking async}; do
  calls 200 "$clients" valgrind --tool=callgrind --callgrind-out-file="$work/c200.out"
  calls 2200 "$clients" valgrind --tool=callgrind --callgrind-out-file="$work/c2200.out"
  echo "client ($clients stub${CLIENT_ARGS[*]:+, ${CLIENT_ARGS[*]}}): $(( ($(total "$work/c2200.out") - $(total "$work/c200.out")) / 2000 )) instructions per call"
done
