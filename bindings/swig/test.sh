#!/usr/bin/env bash
# SWIG bindings (Perl, Tcl, Ruby): installs what is missing, builds, runs prove, tcltest
# and minitest.
# Env: POLYSCORE_BUILD_DIR (the library's build dir, default ../../build),
#      POLYSCORE_LIBRARY (unused here: the wrappers are linked to
#      $POLYSCORE_BUILD_DIR/libpolyscore.so.1 with an rpath).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export POLYSCORE_BUILD_DIR=${POLYSCORE_BUILD_DIR:-$ROOT/build}
export POLYSCORE_SWIG_BUILD=${POLYSCORE_SWIG_BUILD:-$HERE/build}

# --- tools: swig, perl/tcl/ruby headers, Thread (optional), minitest, cc, make, python3
need=()
command -v swig >/dev/null || need+=(swig)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v prove >/dev/null || need+=(perl)
command -v python3 >/dev/null || need+=(python3)
command -v tclsh >/dev/null || need+=(tcl)
perl -MConfig -e 'exit(-f "$Config{archlibexp}/CORE/perl.h" ? 0 : 1)' 2>/dev/null || need+=(libperl-dev)
[ -f /usr/include/tcl8.6/tcl.h ] || need+=(tcl-dev)
command -v ruby >/dev/null || need+=(ruby)
ruby -rrbconfig -e 'exit(File.exist?(File.join(RbConfig::CONFIG["rubyhdrdir"], "ruby.h")))' 2>/dev/null || need+=(ruby-dev)
ruby -e 'require "minitest"' 2>/dev/null || need+=(ruby-minitest)
optional=()   # only for the optional thread test: a failed install is not an error
echo 'exit [catch {package require Thread}]' | tclsh 2>/dev/null || optional+=(tcl-thread)
if [ ${#need[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
  echo "installing: ${need[*]} ${optional[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  APT=(-o Acquire::Retries=3)
  if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq "${APT[@]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${APT[@]}" "${need[@]}" >/dev/null
  fi
  # Only for the optional test: no apt failure here (the index's update included) fails
  # the suite.
  if [ ${#optional[@]} -gt 0 ]; then
    { [ ${#need[@]} -gt 0 ] || $SUDO apt-get update -qq "${APT[@]}"; } &&
      $SUDO apt-get install -y -qq --no-install-recommends "${APT[@]}" "${optional[@]}" >/dev/null ||
      echo "could not install ${optional[*]}: the Tcl thread test will be skipped"
  fi
fi

if [ ! -e "$POLYSCORE_BUILD_DIR/libpolyscore.so.1" ]; then
  echo "no $POLYSCORE_BUILD_DIR/libpolyscore.so.1: build the library first" >&2
  exit 1
fi

# --- build (into $POLYSCORE_SWIG_BUILD; nothing generated lands in the source tree)
make -s -C "$HERE" BUILD="$POLYSCORE_SWIG_BUILD" POLYSCORE_BUILD_DIR="$POLYSCORE_BUILD_DIR" all
python3 "$HERE/tools/manifest_tsv.py" "$ROOT/tests/vectors/manifest.json" "$POLYSCORE_SWIG_BUILD/cases.tsv"

status=0
echo "== Perl (prove)"
(cd "$HERE/perl" && prove -I"$POLYSCORE_SWIG_BUILD/perl" -Ilib t/) || status=1
echo "== Tcl (tcltest)"
(cd "$HERE" && tclsh tcl/tests/all.tcl) || status=1
echo "== Ruby (minitest)"
(cd "$HERE" && ruby -I"$POLYSCORE_SWIG_BUILD/ruby" -Iruby/lib ruby/test/all.rb) || status=1
exit $status
