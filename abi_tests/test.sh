#!/usr/bin/env bash
# abi_tests/test.sh: checks that libpolyscore.so.1 keeps its ABI promise (README.md).
#
#   abi_tests/test.sh
#   POLYSCORE_LIBRARY=/abs/build/libpolyscore.so.1 POLYSCORE_BUILD_DIR=/abs/build abi_tests/test.sh
#
# 1. abidw dump of the stable headers' ABI vs baseline/libpolyscore.so.1.abi (abidiff)
# 2. exported symbols (name and version node) vs baseline/symbols.txt; only ps_*@@POLYSCORE_1.N;
#    SONAME; no C++ runtime; src/capi/polyscore.map names each header function once
# 3. layout.json regenerated from the C header equals the committed one
# 4. old_client.c, compiled against the frozen ABI 1 header (v1/), against today's library
# 5. break_test.sh: broken variants are reported by checks 1-3
# 6. version negotiation (ps_abi_check) from C: inside old_client.c
# 7. the experimental section stays apart from the stable headers
#
# Builds its own RelWithDebInfo library in abi_tests/build (abidw needs DWARF);
# checks 2 and 4 also run on $POLYSCORE_LIBRARY (the release build scripts/test.sh
# made) when given. Installs abigail-tools if missing. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

passed=0
failed=0
failed_names=()
step() {  # step NAME COMMAND...: runs one check, counts it
  local name=$1; shift
  echo
  echo "== $name"
  if "$@"; then
    echo "-- ok: $name"; passed=$((passed + 1))
  else
    echo "-- FAILED: $name"; failed=$((failed + 1)); failed_names+=("$name")
  fi
}
finish() {
  echo
  [ $failed -gt 0 ] && echo "failed: ${failed_names[*]}"
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
  exit
}

ensure_tools || { echo "cannot install abigail-tools"; failed=1; finish; }
step "build libpolyscore.so.1 with debug info ($ABI_BUILD)" build_debug_library
DEBUG_LIB=$ABI_BUILD/libpolyscore.so.1
[ -f "$DEBUG_LIB" ] || finish

RELEASE_LIB=${POLYSCORE_LIBRARY:-}
if [ -z "$RELEASE_LIB" ] && [ -n "${POLYSCORE_BUILD_DIR:-}" ]; then
  RELEASE_LIB=$POLYSCORE_BUILD_DIR/libpolyscore.so.1
fi
if [ -n "$RELEASE_LIB" ] && [ ! -f "$RELEASE_LIB" ]; then
  echo "POLYSCORE_LIBRARY=$RELEASE_LIB does not exist"; RELEASE_LIB=""; failed=$((failed + 1))
fi
LIBS=("$DEBUG_LIB")
[ -n "$RELEASE_LIB" ] && LIBS+=("$RELEASE_LIB")

# 1. ABI dump vs baseline
step "1. abidiff baseline/libpolyscore.so.1.abi vs current" check_abi "$DEBUG_LIB" "$ROOT/include"

# 2. exported symbols
for lib in "${LIBS[@]}"; do
  step "2. exported symbols of $lib" check_symbols "$lib"
done

step "2. the version map names every function of the headers once, one node per ABI version" \
  check_version_map "$ROOT/include" "$ROOT/src/capi/polyscore.map"

# 3. layout table from the header
step "3. layout.json regenerated from include/ equals the committed one" check_layout "$ROOT/include"
step "3. the frozen v1 header's layout is kept: same structs (grown only at the end), its constants with the same values" \
  check_v1_layout "$ABI_DIR/v1/include"

# 4 + 6. old client against the current library
old_client() {
  local lib=$1 exe
  exe=$(mktemp -d)/old_client
  $CC -std=c99 -Wall -Wextra -Werror -pedantic -I "$ABI_DIR/v1/include" \
    "$ABI_DIR/old_client.c" -o "$exe" -L "$(dirname "$lib")" -l:libpolyscore.so.1 -lm || return 1
  # the program must load THIS library, through its SONAME
  LD_LIBRARY_PATH="$(dirname "$lib")" ldd "$exe" | grep -F "libpolyscore.so.1 => $(dirname "$lib")/" >/dev/null ||
    { echo "old_client does not resolve libpolyscore.so.1 to $lib"; return 1; }
  LD_LIBRARY_PATH="$(dirname "$lib")" "$exe" "$ROOT/tests/vectors"
  local rc=$?
  rm -rf "$(dirname "$exe")"
  return $rc
}
for lib in "${LIBS[@]}"; do
  step "4. old client (v1 header) against $lib; 6. ps_abi_check" old_client "$lib"
done

# 7. experimental section
experimental() {
  local inc=$ROOT/include tmp bad=0 names h
  tmp=$(mktemp -d)
  echo '#include <polyscore/polyscore.h>' > "$tmp/t.c"
  cp "$tmp/t.c" "$tmp/t.cc"
  # a) the stable headers stand alone without PS_EXPERIMENTAL (C99 and C++)
  $CC -std=c99 -pedantic -Wall -Wextra -Werror -UPS_EXPERIMENTAL -I "$inc" -fsyntax-only "$tmp/t.c" || bad=1
  c++ -std=c++11 -Wall -Wextra -Werror -UPS_EXPERIMENTAL -I "$inc" -fsyntax-only "$tmp/t.cc" || bad=1
  # b) ... and with every experimental name poisoned: no stable declaration uses one
  names=$(grep -ohE '\b(ps_experimental_[A-Za-z0-9_]+|PS_EXPERIMENTAL_[A-Z0-9_]+)\b' "$inc/polyscore/experimental.h" | sort -u)
  echo "#pragma GCC poison" $names > "$tmp/poison.h"
  while read -r h; do
    $CC -std=c99 -UPS_EXPERIMENTAL -include "$tmp/poison.h" -I "$inc" -fsyntax-only -x c "$h" ||
      { echo "experimental: $h uses an experimental name"; bad=1; }
  done < <(stable_headers "$inc")
  # c) parse: the preprocessed stable API names nothing experimental
  if $CC -E -P -dD -UPS_EXPERIMENTAL -I "$inc" "$tmp/t.c" | grep -vE '^#(undef|define) PS_EXPERIMENTAL$' |
       grep -iE 'ps_experimental'; then
    echo "experimental: the stable headers declare the lines above"; bad=1
  fi
  # d) the experimental section compiles when enabled, and adds no unimplemented function
  $CC -std=c99 -pedantic -Wall -Werror -DPS_EXPERIMENTAL -I "$inc" -fsyntax-only "$tmp/t.c" || bad=1
  c++ -std=c++11 -Wall -Werror -DPS_EXPERIMENTAL -I "$inc" -fsyntax-only "$tmp/t.cc" || bad=1
  local fn
  for fn in $($CC -E -P -DPS_EXPERIMENTAL -I "$inc" "$tmp/t.c" | tr -s ' \n' ' ' |
              grep -oE '\b(ps_experimental_[a-z0-9_]+)[[:space:]]*\(' | tr -d ' (' | sort -u); do
    nm -D --defined-only "$DEBUG_LIB" | grep -qE " $fn(@|$)" ||
      { echo "experimental: $fn is declared but libpolyscore.so.1 does not export it"; bad=1; }
  done
  # e) the ABI dump covers only the stable headers
  grep -q 'ps_experimental' "$BASELINE_ABI" && { echo "experimental: a type is in the ABI baseline"; bad=1; }
  [ $bad -eq 0 ] && echo "experimental: stable headers independent of: $(echo $names)"
  rm -rf "$tmp"
  return $bad
}
step "7. experimental section apart from the stable ABI" experimental

# 5. the checks can fail
step "5. broken variants are reported (break_test.sh)" bash "$ABI_DIR/break_test.sh"

finish
