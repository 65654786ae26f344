#!/usr/bin/env bash
# Interleaved A/B of two polyscore-serve binaries (or two argument sets of one): each
# round starts server A, measures it with polyscore_serve_latency, stops it, then does
# the same for B, so both see the same machine load. Prints every round and then, per
# server and client line, the median and the range over rounds of p50 and p99.
#   bash bench/serve/ab.sh SERVER_A SERVER_B [MODEL_FILE FEATURES]
#   A_ARGS / B_ARGS: extra server arguments; A_ENV / B_ENV: environment for that side's
#   server and client (e.g. "GRPC_POLL_STRATEGY=poll"); CLIENT_ARGS: extra latency
#   arguments for both sides (e.g. "--clients async"), A_CLIENT_ARGS / B_CLIENT_ARGS for
#   one (e.g. "--tuned 0"); ROUNDS (default 3), REQUESTS (default 10000).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
SERVER_A=$1 SERVER_B=$2
MODEL_FILE=${3:-$ROOT/examples/fraud/fraud-v3.json}
FEATURES=${4:-0.4,1.2}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-10000}
cmake --build "$BUILD" --target polyscore_serve_latency >/dev/null

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
name=$(basename "${MODEL_FILE%.*}")
mkdir -p "$work/models/$name/1"
cp "$MODEL_FILE" "$work/models/$name/1/model.${MODEL_FILE##*.}"

measure() {  # label binary extra-args environment client-args
  local label=$1 binary=$2 args=$3 environment=$4 client_args=$5
  rm -f "$work/serve.sock" "$work/log"
  # shellcheck disable=SC2086
  env $environment "$binary" --models "$work/models" --grpc 127.0.0.1:0 --grpc-unix "$work/serve.sock" \
    --http 127.0.0.1:0 --poll-seconds 0 $args 2>"$work/log" &
  server=$!
  for _ in $(seq 200); do grep -q '"serving"' "$work/log" && break; sleep 0.05; done
  local port http
  port=$(grep -o '"grpc_port":[0-9]*' "$work/log" | cut -d: -f2)
  http=$(grep -o '"http_port":[0-9]*' "$work/log" | cut -d: -f2)
  # shellcheck disable=SC2086
  env $environment "$BUILD/polyscore_serve_latency" --model "$name" --features "$FEATURES" \
    --grpc "127.0.0.1:$port" --grpc "unix:$work/serve.sock" --http "127.0.0.1:$http" \
    --requests "$REQUESTS" --warmup 2000 --server-pid "$server" ${CLIENT_ARGS:-} $client_args | sed "s/^/$label /" | tee -a "$work/results"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

echo "A: ${A_ENV:-} $SERVER_A ${A_ARGS:-}; client ${CLIENT_ARGS:-} ${A_CLIENT_ARGS:-}"
echo "B: ${B_ENV:-} $SERVER_B ${B_ARGS:-}; client ${CLIENT_ARGS:-} ${B_CLIENT_ARGS:-}"
echo "model $name, row of $(tr ',' '\n' <<<"$FEATURES" | wc -l) values, $ROUNDS rounds x $REQUESTS requests, $(nproc) cores, $(uptime | sed 's/.*load/load/')"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  measure A "$SERVER_A" "${A_ARGS:-}" "${A_ENV:-}" "${A_CLIENT_ARGS:-}"
  measure B "$SERVER_B" "${B_ARGS:-}" "${B_ENV:-}" "${B_CLIENT_ARGS:-}"
done
echo "-- median [min-max] over $ROUNDS rounds, $(uptime | sed 's/.*load/load/')"
# Lines look like "A grpc 127.0.0.1:PORT  p50 x p90 x p99 x max x us  cpu/call client x
# server x us (n=N)"; the port changes per round, so the key drops it.
sed -E 's/127\.0\.0\.1:[0-9]+/tcp/; s#unix:[^ ]+#unix#' "$work/results" | awk '
  !/ p50 / { next }  # the heading of the floor
  { key = ""; for (i = 1; $i != "p50"; i++) key = key (key == "" ? "" : " ") $i
    p50[key] = p50[key] " " $(i + 1); p99[key] = p99[key] " " $(i + 5)
    for (j = i; j <= NF; j++) {
      if ($j == "client") client[key] = client[key] " " $(j + 1)
      if ($j == "server") server[key] = server[key] " " $(j + 1)
    }
    if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
  function stat(list,   v, m, j, k, t) {
    if (list == "") return "-"
    m = split(substr(list, 2), v, " ")
    for (j = 1; j <= m; j++) for (k = j + 1; k <= m; k++) if (v[k] + 0 < v[j] + 0) { t = v[j]; v[j] = v[k]; v[k] = t }
    return sprintf("%.1f [%.1f-%.1f]", (m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2), v[1], v[m])
  }
  END { for (j = 0; j < n; j++) { k = order[j]
    printf "%-32s p50 %-20s p99 %-24s cpu/call client %-18s server %s\n", k, stat(p50[k]), stat(p99[k]), stat(client[k]), stat(server[k]) } }'
