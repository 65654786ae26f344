#!/usr/bin/env bash
# abi_tests/break_test.sh: proves that the ABI checks can fail. Builds deliberately
# broken variants of libpolyscore.so.1 (a copy of include/ and src/capi/ in a temp
# dir, modified with sed; only the C ABI layer is recompiled, see build_variant.py)
# and asserts that each check reports the break it is there for:
#
#   variant          break                                       must be reported by
#   field_moved      ps_predict_options.num_threads moved up     abidiff, layout
#   symbol_removed   ps_model_feature_name dropped (version map) abidiff, symbols, map
#   enum_renumbered  PS_ERR_IO and PS_ERR_PARSE swapped          layout
#   function_added   a new ps_* function in a new node (NEXT_NODE)  symbols (abidiff allows it);
#                    (compatible; control)                       a program that needs it is
#                                                                refused at load by today's lib
#   padding_added    ps_load_options.reserved0 made a char:      layout
#                    3 bytes of tail padding
#   grown_options    options structs grew a field (ABI 2)        nothing: grown_struct_client
#                                                                passes against it
#   grown_options_old_init  the same, init writes the whole      grown_struct_client
#                    struct (the 1.0 draft's init)
#
# The two grown variants are RUN (the others are only inspected): only the C ABI layer
# reads the options structs, so the core archives compiled against today's header are
# the right ones for them too.
# abidiff cannot see the enum: the status codes are anonymous enum constants and
# every API takes int32_t, so no DWARF type carries them; the layout table is what
# guards constants. Needs abi_tests/build (test.sh builds it). Prints
# "N passed, N failed" and exits non-zero on failure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# The node a function added after today's would get, and the last node today.
LAST_NODE=$(sed -nE 's/^(POLYSCORE_1\.[0-9]+) *\{.*/\1/p' "$ROOT/src/capi/polyscore.map" | tail -1)
NEXT_NODE="POLYSCORE_1.$(( ${LAST_NODE##*.} + 1 ))"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/polyscore-abi-break.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { echo "  ok   $*"; passed=$((passed + 1)); }
bad() { echo "  FAIL $*"; failed=$((failed + 1)); }

[ -f "$ABI_BUILD/compile_commands.json" ] || { echo "run abi_tests/test.sh first (needs $ABI_BUILD)"; exit 1; }

prepare() {  # prepare NAME: copy of the ABI layer to modify
  local v=$WORK/$1
  mkdir -p "$v/src"
  cp -r "$ROOT/include" "$v/include"
  cp -r "$ROOT/src/capi" "$v/src/capi"
}

prepare field_moved
sed -i -e '/^  int32_t num_threads;/d' \
       -e 's|^  ps_output_kind output;  .*|&\n  int32_t num_threads;      /* moved: an ABI break */|' \
       "$WORK/field_moved/include/polyscore/predict.h"
grep -q "num_threads;.*moved" "$WORK/field_moved/include/polyscore/predict.h" || bad "field_moved: the sed mutation did not move num_threads"

prepare symbol_removed
sed -i '/^    ps_model_feature_name;/d' "$WORK/symbol_removed/src/capi/polyscore.map"

prepare enum_renumbered
sed -i -e 's/PS_ERR_IO = 3,/PS_ERR_IO = 4,/' -e 's/PS_ERR_PARSE = 4,/PS_ERR_PARSE = 3,/' \
       "$WORK/enum_renumbered/include/polyscore/common.h"

prepare function_added   # done right: declared, defined, in a node of its own
cat >> "$WORK/function_added/src/capi/capi.cc" <<'EOF'
extern "C" PS_API uint32_t ps_abi_tests_added_function(void) { return 42; }
EOF
sed -i 's|^PS_END_DECL|PS_API uint32_t ps_abi_tests_added_function(void); /* since ABI 2 */\n&|' \
  "$WORK/function_added/include/polyscore/predict.h"
cat >> "$WORK/function_added/src/capi/polyscore.map" <<EOF
$NEXT_NODE {
  global:
    ps_abi_tests_added_function;
} $LAST_NODE;
EOF

prepare padding_added   # reserved0 shrunk to a char: 3 bytes of padding nobody named
sed -i 's|^  int32_t reserved0;|  char reserved0;   |' "$WORK/padding_added/include/polyscore/model.h"

# grown_options: a later library (ABI 2) whose options structs gained an int64_t
# `appended` field (default 0; the variant refuses any other value), read only where the
# caller's struct_size covers it. grown_struct_client.c, built against today's header,
# must run against it untouched. grown_options_old_init: the same, with the options init
# functions writing the library's whole struct (the 1.0 draft's behaviour): the client
# must catch the overrun.
# The grown library is one ABI version past today's, so the client can tell that it runs
# against the variant and not against today's library.
TODAY_ABI=$(sed -nE 's/^#define PS_ABI_VERSION ([0-9]+)$/\1/p' "$ROOT/include/polyscore/common.h")
GROWN_ABI=$((TODAY_ABI + 1))
grow() {  # grow VARIANT_DIR
  local v=$1
  sed -i "s/^#define PS_ABI_VERSION $TODAY_ABI\$/#define PS_ABI_VERSION $GROWN_ABI/" "$v/include/polyscore/common.h"
  grep -q "^#define PS_ABI_VERSION $GROWN_ABI\$" "$v/include/polyscore/common.h" || bad "grow: PS_ABI_VERSION not raised"
  sed -i 's|^} ps_load_options;|  int64_t appended; /* grown in ABI 2; default 0 */\n&|' "$v/include/polyscore/model.h"
  sed -i 's|^} ps_predict_options;|  int64_t appended; /* grown in ABI 2; default 0 */\n&|' "$v/include/polyscore/predict.h"
  sed -i -E \
    -e 's/(PS_FIELD_END\((ps_load_options|ps_predict_options), [a-z0-9_]+\))\}/\1, PS_FIELD_END(\2, appended)}/' \
    -e 's|^  if \(opts->struct_size < sizeof\(size_t\)\) invalid\("(ps_[a-z]+_options)\.struct_size is too small"\);|&\n  if (PS_HAS(opts, appended) \&\& opts->appended != 0) invalid("\1.appended is not 0");|' \
    "$v/src/capi/capi.cc"
  [ "$(grep -c appended "$v/src/capi/capi.cc")" -eq 4 ] || bad "grow: capi.cc of $(basename "$v") did not take the mutation"
}
prepare grown_options
grow "$WORK/grown_options"
prepare grown_options_old_init
grow "$WORK/grown_options_old_init"
sed -i 's|^  if (!opts \|\| struct_size < sizeof(size_t)) return PS_ERR_INVALID_ARGUMENT;|  if (opts) { *opts = defaults; return PS_OK; }  /* the 1.0 draft: the whole struct */\n&|' \
  "$WORK/grown_options_old_init/src/capi/capi.cc"

variants=(field_moved symbol_removed enum_renumbered function_added padding_added grown_options grown_options_old_init)
for v in "${variants[@]}"; do   # make sure each mutation took
  if diff -r -q "$ROOT/include" "$WORK/$v/include" >/dev/null &&
     diff -r -q "$ROOT/src/capi" "$WORK/$v/src/capi" >/dev/null; then
    bad "$v: the sed mutation changed nothing (the header or map changed shape?)"
  fi
done

echo "building ${#variants[@]} variants (2 at a time)..."
pids=()
for v in "${variants[@]}"; do
  python3 "$ABI_DIR/build_variant.py" "$ABI_BUILD" "$ROOT" "$WORK/$v" > "$WORK/$v.build.log" 2>&1 &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

# expect VARIANT CHECK WANT(fail|pass) PATTERN: runs one check on the variant and
# asserts its verdict and that its report contains PATTERN (an ERE).
expect() {
  local v=$1 check=$2 want=$3 pattern=$4 out rc
  local lib=$WORK/$v/libpolyscore.so.1 inc=$WORK/$v/include
  case $check in
    abi) out=$(check_abi "$lib" "$inc" 2>&1) ;;
    symbols) out=$(check_symbols "$lib" 2>&1) ;;
    layout) out=$(check_layout "$inc" 2>&1) ;;
    map) out=$(check_version_map "$inc" "$WORK/$v/src/capi/polyscore.map" 2>&1) ;;
  esac
  rc=$?
  echo "$out" > "$WORK/$v.$check.report"
  local verdict=pass
  [ $rc -ne 0 ] && verdict=fail
  if [ "$verdict" != "$want" ]; then
    bad "$v / $check: wanted $want, got $verdict"; echo "$out" | sed 's/^/       /' | head -40
  elif [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then
    bad "$v / $check: $verdict but the report lacks /$pattern/"; echo "$out" | sed 's/^/       /' | head -40
  else
    ok "$v / $check: $verdict"
    # the lines that say what broke
    grep -E "$pattern" <<<"$out" | head -3 | sed 's/^/         | /'
  fi
}

# expect_client VARIANT WANT(fail|pass) PATTERN: grown_struct_client, built against
# today's header and library, run against the variant's library.
CLIENT=$WORK/grown_struct_client
$CC -std=c99 -Wall -Wextra -Werror -pedantic -I "$ROOT/include" "$ABI_DIR/grown_struct_client.c" \
  -o "$CLIENT" -L "$ABI_BUILD" -l:libpolyscore.so.1 || bad "grown_struct_client.c does not build"
expect_client() {
  local v=$1 want=$2 pattern=$3 out rc verdict=pass
  out=$(LD_LIBRARY_PATH="$WORK/$v" "$CLIENT" "$ROOT/tests/vectors/models/xgb3_binary_logistic.json" grown 2>&1)
  rc=$?
  [ $rc -ne 0 ] && verdict=fail
  if ! grep -q "library ABI $GROWN_ABI" <<<"$out"; then
    bad "$v / client: did not run against the variant (ABI $GROWN_ABI)"; echo "$out" | sed 's/^/       /' | head -20
  elif [ "$verdict" != "$want" ]; then
    bad "$v / client: wanted $want, got $verdict"; echo "$out" | sed 's/^/       /' | head -20
  elif [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then
    bad "$v / client: $verdict but the report lacks /$pattern/"; echo "$out" | sed 's/^/       /' | head -20
  else
    ok "$v / client: $verdict"
    grep -E "${pattern:-grown_struct_client}" <<<"$out" | head -3 | sed 's/^/         | /'
  fi
}

# needs_newer_node: a program built against the function_added library (ABI 2, whose new
# function sits in node NEXT_NODE) runs with that library, and is refused AT LOAD by
# today's library, with the missing node named: not at the first call of the function.
needs_newer_node() {
  local v=$WORK/function_added exe=$WORK/needs_newer_node out rc
  printf '%s\n' '#include <stdio.h>' '#include "polyscore/polyscore.h"' \
    'int main(void) { puts("started"); printf("added function: %u\n", ps_abi_tests_added_function()); return 0; }' \
    > "$exe.c"
  $CC -std=c99 -I "$v/include" "$exe.c" -o "$exe" -L "$v" -l:libpolyscore.so.1 ||
    { bad "needs_newer_node: does not build"; return; }
  out=$(LD_LIBRARY_PATH="$v" "$exe" 2>&1)
  if ! grep -q "added function: 42" <<<"$out"; then
    bad "needs_newer_node: does not run with the library that has the function: $out"; return
  fi
  out=$(LD_LIBRARY_PATH="$ABI_BUILD" "$exe" 2>&1); rc=$?
  if [ $rc -ne 0 ] && grep -q "version .$NEXT_NODE' not found" <<<"$out" && ! grep -q started <<<"$out"; then
    ok "function_added / a program needing $NEXT_NODE is refused at load by today's library"
    echo "$out" | head -1 | sed 's/^/         | /'
  else
    bad "function_added / program needing $NEXT_NODE against today's library: exit $rc, want a load failure naming the node:"
    echo "$out" | sed 's/^/       /' | head -5
  fi
}

for v in "${variants[@]}"; do
  echo "-- $v"
  if [ ! -f "$WORK/$v/libpolyscore.so.1" ]; then
    bad "$v: variant did not build"; sed 's/^/       /' "$WORK/$v.build.log" | tail -20; continue
  fi
  case $v in
    field_moved)
      expect $v abi fail "ps_predict_options.*(size|offset)|offset changed|num_threads"
      expect $v symbols pass ""
      expect $v layout fail '^[-+].*"num_threads", "offset"' ;;
    symbol_removed)
      expect $v abi fail "Removed.*ps_model_feature_name|ps_model_feature_name"
      expect $v symbols fail '^-T ps_model_feature_name@@POLYSCORE_1.0'
      expect $v layout pass ""
      expect $v map fail '< ps_model_feature_name' ;;
    enum_renumbered)
      expect $v abi pass ""        # invisible to DWARF: see the header comment
      expect $v symbols pass ""
      expect $v layout fail '^[-+] *"PS_ERR_(IO|PARSE)": [34]' ;;
    function_added)
      expect $v abi pass "Added.*ps_abi_tests_added_function|ps_abi_tests_added_function"
      expect $v symbols fail "^\\+T ps_abi_tests_added_function@@${NEXT_NODE/./\\.}"
      expect $v layout pass ""
      expect $v map pass ""
      needs_newer_node ;;
    padding_added)
      expect $v layout fail "ps_load_options has 3 bytes of tail padding" ;;
    grown_options)
      expect_client $v pass "" ;;
    grown_options_old_init)
      expect_client $v fail "options_init wrote [0-9]+ bytes outside" ;;
  esac
done

echo "break_test: $passed passed, $failed failed"
[ $failed -eq 0 ]
