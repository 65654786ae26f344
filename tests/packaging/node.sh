# Node: `npm pack` of bindings/node: prepack copies the core's sources into the package
# and builds the prebuilt addon from them (prebuilds/linux-x64/, with libpolyscore.so.1
# beside it; the one compile of this section). In a new project outside the repository
# `npm install ./polyscore-<v>.tgz` with no compiler, cmake or make on PATH uses the
# prebuilt addon (node-gyp-build finds it); where none matches it builds from the sources
# in the package (checked with LIBC=musl); the binding's conformance test, copied from
# the checkout, runs against the installed package.
# (Sourced by tests/packaging/test.sh.)

package_node() {
  local packed=$WORK/npm
  mkdir -p "$packed"
  # prepack needs node-addon-api and node-api-headers (package-lock.json).
  [ -d "$ROOT/bindings/node/node_modules/node-gyp-build" ] ||
    (cd "$ROOT/bindings/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  timed "Node: npm pack (prebuilds)" sh -c 'cd "$1" && npm pack --silent --no-update-notifier --pack-destination "$2" >"$2/pack.log" 2>&1 ||
    { cat "$2/pack.log"; exit 1; }' _ "$ROOT/bindings/node" "$packed"
  local tgz=$packed/polyscore-$VERSION.tgz f listing
  listing=$(tar tzf "$tgz")
  for f in package/deps/polyscore/CMakeLists.txt package/deps/polyscore/src/capi/polyscore.map \
           package/deps/polyscore/third_party/simdjson/simdjson.cpp package/src/addon.cc \
           package/prebuilds/linux-x64/polyscore.napi.glibc.node package/prebuilds/linux-x64/libpolyscore.so.1; do
    grep -qx "$f" <<<"$listing" || { echo "   FAIL node: the tarball lacks $f"; failed+=("npm $f"); }
  done
  [ ! -e "$ROOT/bindings/node/deps" ] && [ ! -e "$ROOT/bindings/node/prebuilds" ] ||
    { echo "   FAIL node: postpack left deps/ or prebuilds/ behind"; failed+=("npm postpack"); }

  local app
  app=$(newdir node)
  cp "$tgz" "$MODEL" "$app/"
  # A PATH with node, npm and sh only: no cc, g++, cmake or make, so nothing can compile.
  local bin=$WORK/node-only-bin
  mkdir -p "$bin"
  for tool in node npm sh; do ln -sf "$(command -v $tool)" "$bin/$tool"; done
  timed "Node: npm install tarball (prebuilt)" clean "$app" env PATH="$bin" sh -c "
    npm init -y --no-update-notifier >/dev/null && npm install --no-audit --no-fund --no-update-notifier --foreground-scripts ./polyscore-$VERSION.tgz >install.log 2>&1 ||
    { cat install.log; exit 1; }"
  grep -q 'using the prebuilt addon prebuilds/linux-x64/polyscore.napi.glibc.node' "$app/install.log" &&
    [ ! -e "$app/node_modules/polyscore/build/polyscore.node" ] && echo "   ok   npm install used the prebuilt addon" ||
    { cat "$app/install.log"; echo "   FAIL node: the prebuilt addon was not used"; failed+=("node prebuilt"); }
  # Where no prebuilt addon matches (LIBC=musl makes node-gyp-build look for a musl one),
  # the install builds from the package's sources: without cmake it must fail saying so.
  local nocc
  nocc=$(newdir node-no-prebuilt)
  cp "$tgz" "$nocc/"
  if clean "$nocc" env PATH="$bin" LIBC=musl sh -c "npm init -y --no-update-notifier >/dev/null &&
       npm install --no-audit --no-fund --no-update-notifier ./polyscore-$VERSION.tgz >install.log 2>&1"; then
    echo "   FAIL node: installed with no matching prebuilt addon and no cmake"; failed+=("node fallback error")
  elif grep -q 'cmake is not installed.*apt-get install cmake g++' "$nocc/install.log"; then
    echo "   ok   no matching prebuilt addon and no cmake: the install fails and says what to install"
  else
    cat "$nocc/install.log"; echo "   FAIL node: unclear install error"; failed+=("node fallback error")
  fi
  # ... and with the system's tools it builds the addon and the core from those sources.
  local src
  src=$(newdir node-source)
  cp "$tgz" "$MODEL" "$src/"
  timed "Node: npm install tarball (from sources)" clean "$src" env LIBC=musl sh -c "npm init -y --no-update-notifier >/dev/null &&
    npm install --no-audit --no-fund --no-update-notifier --foreground-scripts ./polyscore-$VERSION.tgz >install.log 2>&1 ||
    { cat install.log; exit 1; }"
  [ -e "$src/node_modules/polyscore/build/polyscore.node" ] || { echo "   FAIL node: no addon built from sources"; failed+=("node source build"); }

  local score="const m = require('polyscore').load('fraud-v3.json'); console.log(String(m.predict(new Float64Array([0.4, 1.2]), 1)[0]));"
  check_score "Node package" "$(clean "$app" node -e "$score")"
  check_score "Node package built from sources" "$(clean "$src" node -e "$score")"
  AFTER+=("Node package:clean '$app' node -e \"$score\"")
  local runpath
  runpath=$(readelf -d "$app/node_modules/polyscore/prebuilds/linux-x64/polyscore.napi.glibc.node" | sed -n 's/.*R.*PATH.*\[\(.*\)\]/\1/p')
  [ "$runpath" = '$ORIGIN' ] && echo "   ok   addon RUNPATH is \$ORIGIN" ||
    { echo "   FAIL node: addon RUNPATH '$runpath'"; failed+=("node runpath"); }

  # The conformance vectors through the installed package, compared bit for bit with the
  # installed CLI of the C section (when it ran).
  mkdir -p "$app/conformance"
  sed "s|require('..')|require('polyscore')|" "$ROOT/bindings/node/test/conformance.test.js" >"$app/conformance/conformance.test.js"
  sed "s|path.resolve(__dirname, '..', '..', '..')|'$ROOT'|" "$ROOT/bindings/node/test/helpers.js" >"$app/conformance/helpers.js"
  if ! grep -q "require('polyscore')" "$app/conformance/conformance.test.js" || ! grep -q "^const repo = '$ROOT'" "$app/conformance/helpers.js"; then
    echo "   FAIL node: the conformance test no longer loads the binding or the vectors as this expects"; failed+=("node conformance"); return 0
  fi
  if clean "$app" env POLYSCORE_BUILD_DIR="${C_PREFIX:-/nonexistent}/bin" node --test conformance/ >"$app/test.log" 2>&1; then
    echo "   ok   Node conformance vectors from the installed package: $(grep -E '^# (pass|fail)' "$app/test.log" | tr '\n' ' ')"
  else
    grep -E 'not ok|# (pass|fail)' "$app/test.log" | head -20; echo "   FAIL node: conformance tests"; failed+=("node conformance")
  fi
}
