#!/usr/bin/env bash
# bench/ffi/build.sh SRC BUILD OUT: builds the binding-cost harnesses into OUT, against the
# library BUILD/libpolyscore.so.1 and the bindings of source tree SRC (the commit under
# test). Each language is built on its own; a failure is written to OUT/<lang>.error and
# the others go on. Called by bench/run.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$1; BUILD=$2; OUT=$3
LIB=$BUILD/libpolyscore.so.1
mkdir -p "$OUT"
rm -f "$OUT"/*.error
fail() { echo "$2" > "$OUT/$1.error"; echo "[ffi] $1: $2" >&2; }
run() {  # run LANG CMD...: keeps the last lines of output as the error
  local lang=$1; shift
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then fail "$lang" "$* failed: $(tail -5 "$log" | tr '\n' ' ')"; rm -f "$log"; return 1; fi
  rm -f "$log"
}

# The bare reference for C and Python: an empty function in a tiny .so.
run c gcc -O2 -fPIC -shared -o "$OUT/libpsffi_empty.so" "$HERE/empty.c"
# C: c_cost links the library the usual way (SONAME, rpath).
run c gcc -O2 -std=gnu11 -I"$SRC/include" -o "$OUT/c_cost" "$HERE/c_cost.c" "$LIB" \
  -Wl,-rpath,"$BUILD" -ldl

# Go: as bindings/go/test.sh links it: tag polyscore_system, pkg-config, rpath.
if command -v go >/dev/null || [ -x /usr/local/go/bin/go ]; then
  GO=$(command -v go || echo /usr/local/go/bin/go)
  rm -rf "$OUT/go-src" && mkdir -p "$OUT/go-src" "$OUT/golink"
  cp "$HERE/go/main.go" "$OUT/go-src/"
  sed "s|=> ../../../bindings/go|=> $SRC/bindings/go|" "$HERE/go/go.mod" > "$OUT/go-src/go.mod"
  ln -sf "$(readlink -f "$LIB")" "$OUT/golink/libpolyscore.so"
  # Tag polyscore_system: link LIB through a pkg-config file instead of compiling the
  # module's bundled copy of the core.
  printf 'Name: polyscore\nDescription: bench\nVersion: 1\nCflags: -I%s\nLibs: -L%s -lpolyscore\n' \
    "$SRC/include" "$OUT/golink" > "$OUT/golink/polyscore.pc"
  (cd "$OUT/go-src" && run go env GOTOOLCHAIN=local CGO_ENABLED=1 GOFLAGS="-mod=mod -tags=polyscore_system" \
     PKG_CONFIG_PATH="$OUT/golink" CGO_LDFLAGS="-L$OUT/golink -Wl,-rpath,$BUILD" "$GO" build -o "$OUT/go_cost" .)
else
  fail go "no go toolchain on PATH"
fi

# Java: the JNI glue (bindings/java/native/polyscore_jni.c) compiled as its CMake target
# polyscore_jni does (C99, hidden visibility, Release flags, linked to the library), the
# binding's classes with javac, and the empty JNI method.
if command -v javac >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  JNI=(-I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux")
  rm -rf "$OUT/java-classes" && mkdir -p "$OUT/java-classes"
  run java gcc -O3 -DNDEBUG -std=c99 -fPIC -shared -fvisibility=hidden "${JNI[@]}" -I"$SRC/include" \
    -o "$OUT/libpolyscore_jni.so" "$SRC/bindings/java/native/polyscore_jni.c" "$LIB" -lpthread \
    -Wl,-rpath,"$BUILD" -Wl,--no-undefined &&
  run java javac -d "$OUT/java-classes" $(find "$SRC/bindings/java/src/main/java" -name '*.java') \
    "$HERE/java/FfiCost.java" &&
  run java gcc -O2 -fPIC -shared "${JNI[@]}" -o "$OUT/libpsffi_jni.so" "$HERE/java/empty_jni.c"
else
  fail java "no javac on PATH"
fi

# Node: polyscore.node with the command of bindings/node/scripts/build.js (node-api-headers
# and node-addon-api from bindings/node/node_modules), into OUT; the empty addon the same way.
NODE_DIR=$SRC/bindings/node
[ -d "$NODE_DIR/node_modules" ] || NODE_DIR=$(cd "$HERE/../../bindings/node" && pwd)  # git archive has no node_modules
if command -v npm >/dev/null && [ ! -d "$NODE_DIR/node_modules/node-api-headers" ]; then
  # A fresh checkout has none either: install the pinned ones (package-lock.json) as
  # bindings/node/test.sh does, without running the package's own install script.
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 ||
    fail node "npm ci in $NODE_DIR failed"
fi
if command -v node >/dev/null && [ -d "$NODE_DIR/node_modules/node-api-headers" ]; then
  NAPI=$(cd "$NODE_DIR" && node -p "require('node-api-headers').include_dir")
  ADDON_API=$NODE_DIR/node_modules/node-addon-api
  run node g++ -std=c++17 -O2 -g -fPIC -shared -fvisibility=hidden \
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
    -I"$NAPI" -I"$ADDON_API" -I"$SRC/include" "$SRC/bindings/node/src/addon.cc" \
    -o "$OUT/polyscore.node" "$LIB" -Wl,-rpath,"$BUILD" -Wl,--enable-new-dtags \
    -Wl,--allow-shlib-undefined &&
  run node gcc -std=c11 -O2 -g -fPIC -shared -fvisibility=hidden -DNAPI_VERSION=8 -I"$NAPI" \
    "$HERE/node/empty_addon.c" -o "$OUT/psffi_empty.node" -Wl,--allow-shlib-undefined
else
  fail node "node or bindings/node/node_modules/node-api-headers missing"
fi
ls "$OUT" >&2
exit 0
