#!/usr/bin/env bash
# abi_tests/update-baseline.sh: THE one command to change the recorded ABI on purpose.
#
# Rewrites, from the current tree:
#   abi_tests/baseline/libpolyscore.so.1.abi  (abidw dump of the stable headers' ABI)
#   abi_tests/baseline/symbols.txt            (exported dynamic symbols)
#   abi_tests/layout.json                     (struct layouts and constants, from the header)
# then shows `git diff --stat` of them. Review the diff and commit it together with
# the header change and its CHANGELOG "ABI" entry.
#
# Run it ONLY for a compatible change (a new function, a field appended to the end of
# an options struct, a new constant). Then raise PS_ABI_VERSION by one, add the new
# declarations with a "\since ABI N" comment, and keep SONAME libpolyscore.so.1.
#
# An INCOMPATIBLE change (a removed or renamed function, a changed signature, a
# field moved/retyped/removed, a struct made smaller, a constant renumbered) must
# NOT be "fixed" by updating the baseline: it breaks every program and binding built
# against libpolyscore.so.1. It needs a new major release: SONAME libpolyscore.so.2
# (SOVERSION in CMakeLists.txt), a new version node POLYSCORE_2 in
# src/capi/polyscore.map, PS_ABI_VERSION restarting the 2.x series, a frozen copy of
# the last 1.x header kept for reference, and a CHANGELOG entry that lists every
# break. See abi_tests/README.md.
#
# Usage: abi_tests/update-baseline.sh            (builds abi_tests/build first)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_tools
build_debug_library
lib=$ABI_BUILD/libpolyscore.so.1
mkdir -p "$ABI_DIR/baseline"
abi_dump "$lib" "$ROOT/include" "$BASELINE_ABI"
list_symbols "$lib" > "$BASELINE_SYMBOLS"
gen_layout "$ROOT/include" "$BASELINE_LAYOUT"
echo "updated:"
git -C "$ROOT" diff --stat -- "$BASELINE_ABI" "$BASELINE_SYMBOLS" "$BASELINE_LAYOUT" || true
echo "PS_ABI_VERSION in the header: $(sed -nE 's/^#define PS_ABI_VERSION ([0-9]+).*/\1/p' "$ROOT/include/polyscore/common.h")"
