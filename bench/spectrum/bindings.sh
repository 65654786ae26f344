#!/usr/bin/env bash
# bench/spectrum/bindings.sh BUILD OUT: builds the spectrum benchmark's in-process points
# for Go, Java and Node into OUT, against BUILD/libpolyscore.so.1 and this tree's
# bindings, the way bench/ffi/build.sh builds its harnesses. Stops at the first failure:
# a point that cannot be built is a broken benchmark, not a point to leave out quietly.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$2"
BUILD=$(cd "$1" && pwd); OUT=$(cd "$2" && pwd)
LIB=$BUILD/libpolyscore.so.1

# Go: tag polyscore_system links LIB through a pkg-config file (as bindings/go/test.sh).
GO=$(command -v go || echo /usr/local/go/bin/go)
mkdir -p "$OUT/golink"
ln -sf "$(readlink -f "$LIB")" "$OUT/golink/libpolyscore.so"
printf 'Name: polyscore\nDescription: bench\nVersion: 1\nCflags: -I%s\nLibs: -L%s -lpolyscore\n' \
  "$ROOT/include" "$OUT/golink" > "$OUT/golink/polyscore.pc"
(cd "$HERE/go" && env GOTOOLCHAIN=local CGO_ENABLED=1 GOFLAGS="-mod=mod -tags=polyscore_system" \
   PKG_CONFIG_PATH="$OUT/golink" CGO_LDFLAGS="-L$OUT/golink -Wl,-rpath,$BUILD" \
   "$GO" build -o "$OUT/spectrum_go" .)

# Java: the JNI glue compiled as its CMake target does, the binding's classes and the harness.
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
gcc -O3 -DNDEBUG -std=c99 -D_POSIX_C_SOURCE=200809L -fPIC -shared -fvisibility=hidden -I"$JAVA_HOME/include" \
  -I"$JAVA_HOME/include/linux" -I"$ROOT/include" -o "$OUT/libpolyscore_jni.so" \
  "$ROOT/bindings/java/native/polyscore_jni.c" "$LIB" -lpthread -Wl,-rpath,"$BUILD" -Wl,--no-undefined
rm -rf "$OUT/java-classes" && mkdir -p "$OUT/java-classes"
javac -d "$OUT/java-classes" $(find "$ROOT/bindings/java/src/main/java" -name '*.java') "$HERE/java/Spectrum.java"

# Node: the addon with the binding's own build script (headers from npm, package-lock.json).
(cd "$ROOT/bindings/node" &&
   { [ -d node_modules/node-api-headers ] || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; } &&
   POLYSCORE_BUILD_DIR=$BUILD node scripts/build.js >/dev/null)
cp "$ROOT/bindings/node/build/polyscore.node" "$OUT/polyscore.node"
