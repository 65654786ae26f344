#!/usr/bin/env bash
# Several polyscore-serve processes behind one nginx, all on loopback: nginx balances
# gRPC (grpc_pass over HTTP/2) and REST (proxy_pass) round-robin over the backends and
# retries a request on the next backend when one dies (grpc_next_upstream,
# proxy_next_upstream). Scoring is idempotent, so non_idempotent retries are safe.
#
#   bash deploy/nginx/run.sh --models DIR [--backends N] [--state FILE]
#
# Runs until SIGTERM/SIGINT, then stops nginx and every backend. Once ready it writes
# FILE (default: printed on stdout) with shell lines a test or a person can read:
#   nginx_http=PORT nginx_grpc=PORT backend_1_pid=PID backend_1_http=PORT backend_1_grpc=PORT ...
# Needs Debian's nginx (`apt-get install nginx`); the config lives in a temporary
# directory, so nothing system-wide is touched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build}
SERVER=$BUILD/polyscore-serve
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
models="" backends=3 state=""
while [ $# -gt 0 ]; do
  case $1 in
    --models) models=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$models" ] || { echo "run.sh: --models DIR is required" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "run.sh: nginx not found (apt-get install nginx)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
sleeper=""
stop() {
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -s "$work/error.log" ] && { echo "== nginx error.log"; cat "$work/error.log"; } >&2
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 0' TERM INT

# Two distinct ports free at this moment (both held while they are picked). nginx cannot
# bind port 0 and say which it got, so another process may take one of them before nginx
# binds it: then nginx fails to start, and it is started again on two new ports.
free_ports() {
  python3 -c 'import socket
held = [socket.socket() for _ in range(2)]
for s in held: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in held))'
}

lines=()
rest_servers="" grpc_servers=""
for i in $(seq "$backends"); do
  "$SERVER" --models "$models" --http 127.0.0.1:0 --grpc 127.0.0.1:0 --poll-seconds 0 \
    2>"$work/backend-$i.log" >&2 &
  pids+=($!)
  for _ in $(seq 200); do grep -q '"serving"' "$work/backend-$i.log" && break; sleep 0.05; done
  grep -q '"serving"' "$work/backend-$i.log" || { cat "$work/backend-$i.log" >&2; exit 1; }
  http=$(grep -o '"http_port":[0-9]*' "$work/backend-$i.log" | cut -d: -f2)
  grpc=$(grep -o '"grpc_port":[0-9]*' "$work/backend-$i.log" | cut -d: -f2)
  # max_fails=1: after one failure nginx skips the dead backend for fail_timeout.
  rest_servers+="    server 127.0.0.1:$http max_fails=1 fail_timeout=10s;"$'\n'
  grpc_servers+="    server 127.0.0.1:$grpc max_fails=1 fail_timeout=10s;"$'\n'
  lines+=("backend_${i}_pid=${pids[-1]}" "backend_${i}_http=$http" "backend_${i}_grpc=$grpc")
done

mkdir -p "$work/temp"
for attempt in 1 2 3 4 5; do
  read -r nginx_http nginx_grpc < <(free_ports)
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/temp/body;
  proxy_temp_path $work/temp/proxy;
  fastcgi_temp_path $work/temp/fastcgi;
  uwsgi_temp_path $work/temp/uwsgi;
  scgi_temp_path $work/temp/scgi;

  upstream polyscore_rest {
$rest_servers    keepalive 32;
  }
  upstream polyscore_grpc {
$grpc_servers    keepalive 32;
  }

  server {
    listen 127.0.0.1:$nginx_http;
    location / {
      proxy_pass http://polyscore_rest;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries $backends;
    }
  }
  server {
    listen 127.0.0.1:$nginx_grpc http2;
    location / {
      grpc_pass grpc://polyscore_grpc;
      grpc_next_upstream error timeout http_502 http_503 non_idempotent;
      grpc_next_upstream_tries $backends;
      # A call already streamed to a backend that died cannot be retried here: answer
      # it as gRPC does (status 14 UNAVAILABLE, headers only) so clients may retry it.
      error_page 502 = /grpc-unavailable;
    }
    location = /grpc-unavailable {
      internal;
      default_type application/grpc;
      add_header grpc-status 14 always;
      add_header grpc-message "backend unavailable" always;
      return 200;
    }
  }
}
CONF
  if "$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" 2>>"$work/start.log"; then break; fi
  grep -q "Address already in use" "$work/start.log" "$work/error.log" && [ "$attempt" -lt 5 ] ||
    { cat "$work/start.log" >&2; exit 1; }
  : >"$work/start.log"; : >"$work/error.log"
done
for _ in $(seq 100); do [ -s "$work/nginx.pid" ] && break; sleep 0.05; done

lines+=("nginx_http=$nginx_http" "nginx_grpc=$nginx_grpc" "nginx_pid=$(cat "$work/nginx.pid")")
if [ -n "$state" ]; then printf '%s\n' "${lines[@]}" >"$state.tmp"; mv "$state.tmp" "$state"
else printf '%s\n' "${lines[@]}"; fi
# Wait for a signal; `wait` returns when one arrives so the traps run.
while :; do sleep 3600 & sleeper=$!; wait "$sleeper" || true; done
