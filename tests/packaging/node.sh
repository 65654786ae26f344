# Node: `npm pack` of bindings/node (prepack copies the core's sources into the package);
# in a new project outside the repository `npm install ./polyscore-<v>.tgz` fetches
# node-addon-api and node-api-headers from npm and builds libpolyscore.so.1 and the addon
# from the package's sources (the one compile of this section).
# (Sourced by tests/packaging/test.sh.)

package_node() {
  local packed=$WORK/npm
  mkdir -p "$packed"
  (cd "$ROOT/bindings/node" && npm pack --silent --no-update-notifier --pack-destination "$packed" >/dev/null)
  local tgz=$packed/polyscore-$VERSION.tgz f listing
  listing=$(tar tzf "$tgz")
  for f in package/deps/polyscore/CMakeLists.txt package/deps/polyscore/src/capi/polyscore.map \
           package/deps/polyscore/third_party/simdjson/simdjson.cpp package/src/addon.cc; do
    grep -qx "$f" <<<"$listing" || { echo "   FAIL node: the tarball lacks $f"; failed+=("npm $f"); }
  done
  [ ! -e "$ROOT/bindings/node/deps" ] || { echo "   FAIL node: postpack left deps/ behind"; failed+=("npm postpack"); }

  local app
  app=$(newdir node)
  cp "$tgz" "$MODEL" "$app/"
  timed "Node: npm install tarball (builds)" clean "$app" sh -c "
    npm init -y >/dev/null && npm install --no-audit --no-fund --no-update-notifier --loglevel=error ./polyscore-$VERSION.tgz >install.log 2>&1 ||
    { cat install.log; exit 1; }"
  local score="const m = require('polyscore').load('fraud-v3.json'); console.log(String(m.predict(new Float64Array([0.4, 1.2]), 1)[0]));"
  check_score "Node package" "$(clean "$app" node -e "$score")"
  AFTER+=("Node package:clean '$app' node -e \"$score\"")
  local runpath
  runpath=$(readelf -d "$app/node_modules/polyscore/build/polyscore.node" | sed -n 's/.*R.*PATH.*\[\(.*\)\]/\1/p')
  [ "$runpath" = '$ORIGIN' ] && echo "   ok   addon RUNPATH is \$ORIGIN" ||
    { echo "   FAIL node: addon RUNPATH '$runpath'"; failed+=("node runpath"); }
}
