# Go: the module bindings/go as a module proxy serves it (a zip of its committed files
# under a file:// GOPROXY); a new module outside the repository `go get`s it and builds a
# program; cgo compiles the bundled core (the one compile of this section). Also checks
# that the module's copy of the core matches the core (scripts/gen_go_core.sh --check).
# The binding's conformance test (conformance_test.go, helpers_test.go from the checkout)
# then runs in the new module against the module it got from the proxy.
# (Sourced by tests/packaging/test.sh.)

package_go() {
  "$ROOT/scripts/gen_go_core.sh" --check || { failed+=("go core copy drift"); }
  local module=github.com/polyscore/polyscore/bindings/go version=v$VERSION
  local proxy=$WORK/goproxy
  local at=$proxy/$module/@v
  mkdir -p "$at"
  # The module zip: every file of bindings/go git knows (committed or not ignored).
  (cd "$ROOT" && git ls-files -co --exclude-standard -- bindings/go) | python3 -c '
import sys, zipfile
root, prefix, out = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for path in sys.stdin.read().split("\n"):
        if path:
            z.write(root + "/" + path, prefix + path[len("bindings/go/"):])
' "$ROOT" "$module@$version/" "$at/$version.zip"
  cp "$ROOT/bindings/go/go.mod" "$at/$version.mod"
  printf '{"Version":"%s","Time":"2026-01-01T00:00:00Z"}\n' "$version" >"$at/$version.info"
  echo "$version" >"$at/list"

  local app
  app=$(newdir go)
  cp "$MODEL" "$app/"
  cat >"$app/main.go" <<'EOT'
package main

import (
	"fmt"
	"os"
	"strconv"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

func main() {
	m, err := polyscore.Load("fraud-v3.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer m.Close()
	scores, err := m.PredictRow([]float64{0.4, 1.2}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(strconv.FormatFloat(scores[0], 'g', -1, 64))
}
EOT
  local goenv=(env GOPROXY="file://$proxy" GOSUMDB=off GOTOOLCHAIN=local GOFLAGS=-mod=mod)
  timed "Go: go get + go build" clean "$app" "${goenv[@]}" sh -c "
    { go mod init example.com/fraud && go get $module@$version && go build -o fraud . ; } >go.log 2>&1 ||
    { cat go.log; exit 1; }"
  check_score "Go module via GOPROXY" "$(clean "$app" ./fraud)"
  AFTER+=("Go module via GOPROXY:clean '$app' ./fraud")
  if grep -q libpolyscore <<<"$(readelf -d "$app/fraud")"; then
    echo "   FAIL go: the program needs libpolyscore.so.1"; failed+=("go static core")
  fi

  # The conformance vectors through the installed module, compared bit for bit with the
  # installed CLI of the C section (when it ran).
  mkdir -p "$app/conformance"
  cp "$ROOT/bindings/go/conformance_test.go" "$ROOT/bindings/go/helpers_test.go" "$app/conformance/"
  sed -i "s|filepath.Abs(\"../..\")|filepath.Abs(\"$ROOT\")|" "$app/conformance/helpers_test.go"
  grep -q "filepath.Abs(\"$ROOT\")" "$app/conformance/helpers_test.go" ||
    { echo "   FAIL go: helpers_test.go no longer sets repoRoot as this expects"; failed+=("go conformance"); return 0; }
  if clean "$app" "${goenv[@]}" POLYSCORE_BUILD_DIR="${C_PREFIX:-/nonexistent}/bin" \
       go test -count=1 ./conformance/ >"$app/test.log" 2>&1; then
    echo "   ok   Go conformance vectors from the installed module: $(tail -1 "$app/test.log")"
  else
    tail -20 "$app/test.log"; echo "   FAIL go: conformance tests"; failed+=("go conformance")
  fi
}
