#!/usr/bin/env bash
# Installs what polyscore needs to build and test, then builds it into build/.
# Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake ninja-build g++ pkg-config libgtest-dev nlohmann-json3-dev
              libbenchmark-dev abigail-tools swig tcl-dev tcl-thread ruby-dev libperl-dev
              libclang-rt-14-dev clang-14 python3-venv
              # tests/core/test_lightgbm_loader.cc: a de_DE locale made with localedef
              locales
              # polyscore-serve (src/server): gRPC, protobuf, Boost.Beast
              libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
              libboost-dev
              # polyscore-worker (src/worker): NATS JetStream
              nats-server libnats-dev
              # deploy/nginx and tests/server/test_nginx.py
              nginx
              # bench/serve/throughput.sh: the load generators (wrk for REST, h2load for gRPC)
              wrk nghttp2-client
              # tests/cross: the aarch64 build under qemu-user
              g++-aarch64-linux-gnu qemu-user)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Retries: a registry's transient failure should not fail a whole run.
  $SUDO apt-get update -qq -o Acquire::Retries=3
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o Acquire::Retries=3 "${missing[@]}" >/dev/null
fi

# Python environment for the Python binding and the CLI tests.
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r bindings/python/requirements-test.txt

echo "== building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_SERVER=ON -DPOLYSCORE_WORKER=ON \
  -DPOLYSCORE_SPECTRUM=ON >/dev/null
cmake --build build
