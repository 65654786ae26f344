#!/usr/bin/env bash
# The packaging suite: builds every package from this checkout, then installs each one
# the way its ecosystem does, in a new empty directory outside the repository, with a
# clean environment (env -i: PATH and a new empty HOME; no POLYSCORE_*, LD_LIBRARY_PATH
# or CGO_*), and scores examples/fraud/fraud-v3.json with [0.4, 1.2]. Then it moves the
# repository's build/ away and checks that every installed package still works.
#   tests/packaging/test.sh [c python go node java swig]   (default: all)
# Prints the install time of each package. Needs network access to the package
# registries (PyPI, npm, Maven Central) for the packages' own dependencies.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/packaging
EXPECTED=0.8551127314567566
MODEL=$ROOT/examples/fraud/fraud-v3.json
VERSION=$(sed -n 's/^project(polyscore VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
LANGS=("$@"); [ ${#LANGS[@]} -gt 0 ] || LANGS=(c python go node java swig)

WORK=$(mktemp -d /tmp/polyscore-packaging.XXXXXX)
cleanup() {
  # Put build/ back if a check failed while it was moved away.
  if [ -d "$WORK/build-moved" ] && [ ! -e "$ROOT/build" ]; then mv "$WORK/build-moved" "$ROOT/build"; fi
  chmod -R u+w "$WORK" 2>/dev/null || true   # the Go module cache is read-only
  rm -rf "$WORK"
}
trap cleanup EXIT

# Tools the user would have: the system's, and Go where its tarball installs it.
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for go in /usr/local/go/bin/go "$(command -v go 2>/dev/null || true)"; do
  if [ -n "$go" ] && [ -x "$go" ]; then CLEAN_PATH=$(dirname "$go"):$CLEAN_PATH; break; fi
done
# clean DIR CMD...: runs CMD in DIR with only PATH and a new empty HOME.
clean() {
  local dir=$1; shift
  mkdir -p "$dir/home"
  (cd "$dir" && env -i PATH="$CLEAN_PATH" HOME="$dir/home" LANG=C.UTF-8 "$@")
}
newdir() { mktemp -d "$WORK/$1.XXXXXX"; }

failed=()
declare -A SECONDS_TAKEN
check_score() {  # check_score WHAT OUTPUT: OUTPUT must be exactly the expected score
  if [ "$2" = "$EXPECTED" ]; then echo "   ok   $1: $2"
  else echo "   FAIL $1: expected $EXPECTED, got '$2'"; failed+=("$1"); fi
}
timed() {  # timed NAME CMD...: runs CMD, records its duration as NAME's install time
  local name=$1 start=$SECONDS; shift
  "$@"
  SECONDS_TAKEN[$name]=$((SECONDS - start))
}
# After build/ moves away: the commands that score with each installed package.
AFTER=()

# One file per ecosystem, each defining package_<lang>.
for lang in "${LANGS[@]}"; do . "$HERE/$lang.sh"; done

for lang in "${LANGS[@]}"; do
  echo
  echo "======== packaging: $lang"
  if ! "package_$lang"; then echo "   FAIL $lang: building or installing failed"; failed+=("$lang"); fi
done

echo
echo "======== packaging: with the repository's build/ moved away"
[ -d "$ROOT/build" ] && mv "$ROOT/build" "$WORK/build-moved"
for cmd in "${AFTER[@]}"; do
  name=${cmd%%:*}
  check_score "$name (no build/)" "$(eval "${cmd#*:}" 2>&1 | tail -1)" || true
done
[ -d "$WORK/build-moved" ] && mv "$WORK/build-moved" "$ROOT/build"

echo
echo "install times (seconds, this machine):"
for lang in "${!SECONDS_TAKEN[@]}"; do printf '  %-28s %4d\n' "$lang" "${SECONDS_TAKEN[$lang]}"; done | sort
if [ ${#failed[@]} -gt 0 ]; then echo "packaging FAILED: ${failed[*]}"; exit 1; fi
echo "packaging: all packages install and score $EXPECTED"
