#!/usr/bin/env bash
# Builds and tests the Go binding (bindings/go) and the Go fraud service
# (examples/fraud/go) against the library in POLYSCORE_BUILD_DIR (or the directory
# of POLYSCORE_LIBRARY, or build/): gofmt, go vet, go test -race.
# Needs Go >= 1.26 (the binding: 1.24; the fraud example's gRPC v1.85: 1.26) and a C compiler; installs what is missing (Debian).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GO_MIN_MINOR=26                # bindings/go: go 1.24; examples/fraud/go (grpc v1.85): go 1.26
GO_FALLBACK=go1.26.0           # fetched from the Go module proxy when no Go is new enough

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
  echo "== installing Debian packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- a C compiler for cgo
command -v gcc >/dev/null 2>&1 || apt_install gcc libc6-dev
command -v pkg-config >/dev/null 2>&1 || apt_install pkg-config

# --- Go >= 1.24
go_ok() {  # go_ok BINARY: true when BINARY is Go 1.GO_MIN_MINOR or newer
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || v=$("$1" version 2>/dev/null | awk '{print $3}') || return 1
  v=${v#go}
  [ "${v%%.*}" -gt 1 ] || { local minor=${v#1.}; minor=${minor%%.*}; minor=${minor%%[!0-9]*}; [ "${minor:-0}" -ge "$GO_MIN_MINOR" ]; }
}
GO=""
for cand in /usr/local/go/bin/go "$(command -v go 2>/dev/null || true)" /usr/lib/go/bin/go; do
  if [ -n "$cand" ] && [ -x "$cand" ] && GOTOOLCHAIN=local go_ok "$cand"; then GO=$cand; break; fi
done
if [ -z "$GO" ]; then
  # Debian's golang-go is older than 1.24. Use it only as a client of the Go module
  # proxy to fetch the toolchain module (golang.org/toolchain, what GOTOOLCHAIN
  # switching downloads), then run the go command from the module cache.
  [ -x /usr/lib/go/bin/go ] || command -v go >/dev/null 2>&1 || apt_install golang-go
  OLD_GO=$(command -v go || echo /usr/lib/go/bin/go)
  arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
  mod="golang.org/toolchain@v0.0.1-$GO_FALLBACK.linux-$arch"
  echo "== fetching $mod from the Go module proxy"
  dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod GO111MODULE=on "$OLD_GO" mod download -json "$mod" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -f "$dir/bin/go" ] || { echo "cannot fetch the Go toolchain"; exit 1; }
  # Module zips carry no execute bits; the go command sets them the same way.
  chmod -R u+w "$dir" && chmod +x "$dir/bin/"* "$dir/pkg/tool/"*/*
  GO=$dir/bin/go
fi
export GOTOOLCHAIN=local
export PATH="$(dirname "$GO"):$PATH"
[ -n "${HOME:-}" ] || export HOME=/root
echo "== using $("$GO" version) ($GO)"

# --- the library: link with -lpolyscore, find it at run time through the rpath
if [ -n "${POLYSCORE_BUILD_DIR:-}" ]; then
  LIBDIR=$POLYSCORE_BUILD_DIR
elif [ -n "${POLYSCORE_LIBRARY:-}" ]; then
  LIBDIR=$(dirname "$POLYSCORE_LIBRARY")
else
  LIBDIR=$ROOT/build
fi
LIBDIR=$(cd "$LIBDIR" && pwd)
LINKDIR=$LIBDIR
if [ -n "${POLYSCORE_LIBRARY:-}" ] || [ ! -e "$LIBDIR/libpolyscore.so" ]; then
  # Link against exactly the library under test, whatever its file name.
  LINKDIR=$(mktemp -d)
  LINKDIR_TMP=$LINKDIR
  ln -s "$(readlink -f "${POLYSCORE_LIBRARY:-$LIBDIR/libpolyscore.so.1}")" "$LINKDIR/libpolyscore.so"
fi
# Link that library (build tag polyscore_system, core_system.go) instead of compiling the
# module's bundled copy of the core; its pkg-config file names this checkout's header.
PCDIR=$(mktemp -d)
trap 'rm -rf "$PCDIR" ${LINKDIR_TMP:-}' EXIT
printf 'Name: polyscore\nDescription: the library under test\nVersion: 1\nCflags: -I%s\nLibs: -L%s -lpolyscore\n' \
  "$ROOT/include" "$LINKDIR" >"$PCDIR/polyscore.pc"
export PKG_CONFIG_PATH=$PCDIR
export GOFLAGS="-tags=polyscore_system ${GOFLAGS:-}"
export CGO_ENABLED=1
# -L here too, not only in the .pc file: Go's build cache keeps a cgo package's
# pkg-config link flags from the build that filled it, so a second checkout (or this one
# with a new temporary LINKDIR) would link with a -L that no longer exists.
export CGO_LDFLAGS="-L$LINKDIR -Wl,-rpath,$LIBDIR ${CGO_LDFLAGS:-}"
export POLYSCORE_BUILD_DIR=$LIBDIR  # the tests compare with the CLI found there

# The fraud example's gRPC mode uses stubs generated from proto/ (never committed).
bash "$ROOT/examples/fraud/go/generate.sh"

status=0
for mod in "$HERE" "$ROOT/examples/fraud/go"; do
  echo "== $mod"
  cd "$mod"
  unformatted=$(gofmt -l .)
  if [ -n "$unformatted" ]; then echo "gofmt -l: not formatted: $unformatted"; status=1; fi
  go vet ./... || status=1
  go test -race -count=1 ./... || status=1
done
exit $status
