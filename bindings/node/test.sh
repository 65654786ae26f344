#!/usr/bin/env bash
# Node binding: installs node-addon-api and node-api-headers from npm (package-lock.json),
# builds build/polyscore.node against the library in $POLYSCORE_BUILD_DIR (or
# $POLYSCORE_LIBRARY), type-checks index.d.ts, and runs the binding's and the fraud
# example's `node --test` suites. Needs g++ (scripts/setup.sh) and node >= 18 with npm.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROOT=$(cd ../.. && pwd)
export POLYSCORE_BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
if [ -z "${POLYSCORE_LIBRARY:-}" ]; then export POLYSCORE_LIBRARY=$POLYSCORE_BUILD_DIR/libpolyscore.so.1; fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v g++ >/dev/null; then
  echo "== installing node, npm, g++ (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm g++ >/dev/null
fi
echo "== node $(node --version), npm $(npm --version)"

NPM_FLAGS=(--ignore-scripts --no-audit --no-fund --loglevel=error)
echo "== npm ci (bindings/node)"
npm ci "${NPM_FLAGS[@]}"

echo "== building the addon"
node scripts/build.js

echo "== type-checking index.d.ts"
node_modules/.bin/tsc -p test/ts

echo "== node --test (bindings/node)"
node --expose-gc --test test/*.test.js

echo "== fraud example (examples/fraud/node)"
cd "$ROOT/examples/fraud/node"
npm ci "${NPM_FLAGS[@]}"
node --test test/*.test.js
