# abi_tests/lib.sh: the ABI checks as functions, shared by test.sh, break_test.sh and
# update-baseline.sh. Source it; it sets ABI_DIR (this directory) and ROOT (the tree).
# Every check_* function prints its report and returns non-zero when the ABI broke.

ABI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$ABI_DIR/.." && pwd)
ABI_BUILD=${POLYSCORE_ABI_BUILD_DIR:-$ABI_DIR/build}   # our -g build (abidw needs DWARF)
BASELINE_ABI=$ABI_DIR/baseline/libpolyscore.so.1.abi
BASELINE_SYMBOLS=$ABI_DIR/baseline/symbols.txt
BASELINE_LAYOUT=$ABI_DIR/layout.json
CC=${CC:-cc}

# Installs what the checks need when it is missing (abigail-tools: abidw, abidiff).
ensure_tools() {
  local missing=()
  command -v abidw >/dev/null && command -v abidiff >/dev/null || missing+=(abigail-tools)
  command -v readelf >/dev/null && command -v nm >/dev/null || missing+=(binutils)
  command -v cmake >/dev/null || missing+=(cmake)
  command -v ninja >/dev/null || missing+=(ninja-build)
  command -v python3 >/dev/null || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds libpolyscore.so.1 with debug info (RelWithDebInfo) in $ABI_BUILD: the same
# sources, flags, version script and link options as the release build, plus -g.
build_debug_library() {
  if [ ! -f "$ABI_BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$ABI_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPOLYSCORE_TESTS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null || return 1
  fi
  cmake --build "$ABI_BUILD" --target polyscore >/dev/null || {
    cmake --build "$ABI_BUILD" --target polyscore; return 1; }
}

# The stable public headers of an include dir: every polyscore/*.h but experimental.h.
stable_headers() {  # stable_headers INCLUDE_DIR
  local h
  for h in "$1"/polyscore/*.h; do
    [ "$(basename "$h")" = experimental.h ] || echo "$h"
  done
}

# abi_dump LIB INCLUDE_DIR OUT: the ABI of LIB as seen through the stable headers,
# written so that it does not depend on where the tree is checked out.
abi_dump() {
  local lib=$1 inc=$2 out=$3 h args=()
  inc=$(cd "$inc" && pwd)   # abidw matches DW_AT_decl_file against absolute paths
  while read -r h; do args+=(--header-file "$h"); done < <(stable_headers "$inc")
  abidw "${args[@]}" --drop-private-types --exported-interfaces-only \
    --no-corpus-path --no-comp-dir-path --no-show-locs --type-id-style sequence "$lib" |
    sed -E "s#(path)='[^']*/(src|third_party|include)/#\1='\2/#" > "$out"
}

# check_abi LIB INCLUDE_DIR [BASELINE]: abidiff of the baseline against LIB.
# Added functions are allowed (and reported); anything else abidiff reports fails.
check_abi() {
  local lib=$1 inc=$2 base=${3:-$BASELINE_ABI} cur rc
  cur=$(mktemp)
  abi_dump "$lib" "$inc" "$cur" || { echo "abidw failed on $lib"; rm -f "$cur"; return 1; }
  abidiff --no-unreferenced-symbols "$base" "$cur" > "$cur.report" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "abidiff: no ABI change against $(basename "$base")"
    rm -f "$cur" "$cur.report"; return 0
  fi
  if (( rc & 3 )); then    # 1 = error, 2 = usage error
    echo "abidiff failed to run (exit $rc):"; cat "$cur.report"
    rm -f "$cur" "$cur.report"; return 1
  fi
  # rc has bit 4 (ABI change) and maybe 8 (incompatible change). A change that is
  # nothing but added functions/variables is compatible: check with the additions
  # left out of the comparison.
  abidiff --no-unreferenced-symbols --no-added-syms "$base" "$cur" > /dev/null 2>&1
  local rc_without_added=$?
  if (( rc & 8 )) || [ $rc_without_added -ne 0 ]; then
    echo "abidiff: INCOMPATIBLE ABI change (exit $rc) against $(basename "$base"):"
    cat "$cur.report"
    rm -f "$cur" "$cur.report"; return 1
  fi
  echo "abidiff: compatible additions only (allowed; run update-baseline.sh to record them):"
  cat "$cur.report"
  rm -f "$cur" "$cur.report"; return 0
}

# The exported dynamic symbols of LIB, one per line: "<nm type> <name>@@<version>".
list_symbols() {
  LC_ALL=C nm -D --defined-only "$1" | awk '{print $2" "$3}' | LC_ALL=C sort
}

# check_symbols LIB [BASELINE]: exact symbol list, only versioned ps_* functions,
# SONAME libpolyscore.so.1, no C++ runtime needed or exported.
check_symbols() {
  local lib=$1 base=${2:-$BASELINE_SYMBOLS} bad=0 cur soname
  cur=$(mktemp)
  list_symbols "$lib" > "$cur"
  if ! diff -u --label "baseline/symbols.txt" --label "exported by $(basename "$lib")" "$base" "$cur"; then
    echo "symbols: exported symbol list differs from baseline/symbols.txt"; bad=1
  fi
  local leaks
  leaks=$(grep -Ev '^(T ps_[a-z0-9_]+@@POLYSCORE_1\.[0-9]+|A POLYSCORE_1\.[0-9]+)$' "$cur")
  if [ -n "$leaks" ]; then
    echo "symbols: exported symbols other than ps_* functions in a POLYSCORE_1.N node:"
    echo "$leaks" | head -20 | sed 's/^/  /'; bad=1
  fi
  soname=$(readelf -d "$lib" | sed -nE 's/.*\(SONAME\).*\[(.*)\]/\1/p')
  if [ "$soname" != "libpolyscore.so.1" ]; then
    echo "symbols: SONAME is '$soname', want libpolyscore.so.1"; bad=1
  fi
  local needed
  needed=$(readelf -d "$lib" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | grep -E 'libstdc\+\+|libgcc_s' || true)
  if [ -n "$needed" ]; then
    echo "symbols: depends on the C++ runtime (must be linked statically): $needed"; bad=1
  fi
  local cxx_undef
  # Strong imports only: the static libstdc++ leaves weak references to the
  # transactional-memory clones (_ZGTt*), which resolve to NULL and need no runtime.
  cxx_undef=$(nm -D --undefined-only "$lib" | awk '$1 == "U"' | grep -E ' _Z|GLIBCXX|CXXABI' || true)
  if [ -n "$cxx_undef" ]; then
    echo "symbols: imports C++ runtime symbols:"; echo "$cxx_undef" | head -10; bad=1
  fi
  [ $bad -eq 0 ] && echo "symbols: $(grep -c ' ps_' "$cur") ps_* functions in nodes $(sed -nE 's/^A //p' "$cur" | tr '\n' ' ')(each as baseline/symbols.txt says); SONAME $soname; no C++ runtime"
  rm -f "$cur"
  return $bad
}

# gen_layout INCLUDE_DIR OUT: runs layout_gen.c compiled against INCLUDE_DIR.
gen_layout() {
  local inc=$1 out=$2 exe
  exe=$(mktemp)
  $CC -std=c11 -Wall -Wextra -Werror -I "$inc" "$ABI_DIR/layout_gen.c" -o "$exe" &&
    "$exe" > "$out"
  local rc=$?
  rm -f "$exe"
  return $rc
}

# The PS_* integer constants the stable headers of INCLUDE_DIR define (enumerators
# and #defines of a number).
header_constants() {
  local h
  stable_headers "$1" | while read -r h; do
    sed -nE 's/^[[:space:]]*(PS_[A-Z0-9_]+)[[:space:]]*=.*/\1/p;
             s/^#[[:space:]]*define[[:space:]]+(PS_[A-Z0-9_]+)[[:space:]]+-?[0-9]+[uUlL]*[[:space:]]*$/\1/p' "$h"
  done
}

# check_layout INCLUDE_DIR [BASELINE]: the regenerated table equals the committed one,
# and it lists every constant of the headers.
# The first-release header against today's layout.json: the ABI only grows, so every
# struct keeps its fields (a struct may only grow at its end: v1's fields are today's
# first fields, unchanged but struct_size's default, which is sizeof) and every constant
# it has keeps its value (PS_ABI_VERSION grows).
check_v1_layout() {
  local inc=$1 cur rc=0
  cur=$(mktemp)
  if ! gen_layout "$inc" "$cur"; then
    echo "layout: layout_gen.c failed against $inc"; rm -f "$cur"; return 1
  fi
  python3 - "$cur" "$BASELINE_LAYOUT" <<'PY' || rc=1
import json, sys
old, now = (json.load(open(p)) for p in sys.argv[1:3])
def growth_problem(o, n):
    if n is None:
        return "removed"
    if n["size"] < o["size"] or n["align"] != o["align"] or n["tail_padding"] != 0:
        return "smaller, realigned or padded"
    if len(n["fields"]) < len(o["fields"]):
        return "lost fields"
    for a, b in zip(o["fields"], n["fields"]):
        if a["name"] == "struct_size":
            a, b = dict(a, default=None), dict(b, default=None)  # sizeof: grows with the struct
        if a != b:
            return "field %s changed" % a["name"]
    return None
bad = [f"struct {n} changed: {p}" for n in old["structs"]
       if (p := growth_problem(old["structs"][n], now["structs"].get(n)))]
for k, v in old["constants"].items():
    if k == "PS_ABI_VERSION":
        if now["constants"][k] < v: bad.append("PS_ABI_VERSION went down")
    elif now["constants"].get(k) != v:
        bad.append(f"{k} is {now['constants'].get(k)}, was {v}")
print("layout: v1 header: " + ("; ".join(bad) if bad else
      f"{len(old['structs'])} structs and {len(old['constants'])} constants kept"))
sys.exit(1 if bad else 0)
PY
  rm -f "$cur"
  return $rc
}

check_layout() {
  local inc=$1 base=${2:-$BASELINE_LAYOUT} cur bad=0 c
  cur=$(mktemp)
  if ! gen_layout "$inc" "$cur"; then
    echo "layout: layout_gen.c failed against $inc"; rm -f "$cur"; return 1
  fi
  if ! diff -u --label "layout.json (committed)" --label "layout.json (from the header)" "$base" "$cur"; then
    echo "layout: the table generated from the header differs from abi_tests/layout.json"; bad=1
  fi
  for c in $(header_constants "$inc"); do
    grep -q "\"$c\":" "$cur" || { echo "layout: constant $c of the header is missing from layout_gen.c"; bad=1; }
  done
  # No hidden bytes: each field starts where the one before ends and the last one ends
  # the struct, so a caller's struct_size never covers padding (docs/abi.md).
  python3 - "$cur" <<'PY' || bad=1
import json, sys
bad = 0
for name, s in json.load(open(sys.argv[1]))["structs"].items():
    end = 0
    for f in s["fields"]:
        if f["offset"] != end:
            print("layout: %s has %d bytes of padding before %s: name them as a reserved field"
                  % (name, f["offset"] - end, f["name"]))
            bad = 1
        end = f["offset"] + f["size"]
    if s["size"] != end:
        print("layout: %s has %d bytes of tail padding: name them as a reserved field" % (name, s["size"] - end))
        bad = 1
sys.exit(bad)
PY
  [ $bad -eq 0 ] && echo "layout: $(grep -c '"offset"' "$cur") fields of $(grep -c '"size": [0-9]*, "align"' "$cur") structs, $(grep -cE '^    "PS_' "$cur") constants: as committed"
  rm -f "$cur"
  return $bad
}

# The ps_* functions the stable headers of INCLUDE_DIR declare, one per line, sorted.
header_functions() {
  local h
  # -fpreprocessed -dD: comments stripped, macros (PS_API) kept
  stable_headers "$1" | while read -r h; do $CC -fpreprocessed -dD -E -P -w -x c "$h" 2>/dev/null; done | tr -s ' \n' ' ' |
    grep -oE 'PS_API [^;]*[^a-z0-9_](ps_[a-z0-9_]+) *\(' | grep -oE 'ps_[a-z0-9_]+ *\($' | tr -d ' (' | LC_ALL=C sort -u
}

# check_version_map INCLUDE_DIR MAP: the version script names every function of the
# stable headers exactly once, by name (no wildcard export), in nodes POLYSCORE_1.0,
# POLYSCORE_1.1, ... in order, each later node inheriting the one before.
check_version_map() {
  local inc=$1 map=$2 bad=0 listed declared nodes want_nodes n
  # what the map exports: names in a "global:" section (comments stripped)
  listed=$(sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$map" |
           awk '/global:/ {g = 1; next} /local:/ {g = 0} /^}/ {g = 0} g' | tr -d ' \t;' | grep -v '^$')
  if grep -q '[*?]' <<<"$listed"; then
    echo "version map: a wildcard in a global: section ($(grep '[*?]' <<<"$listed" | tr '\n' ' ')): list each function by name"; bad=1
  fi
  local dups
  dups=$(LC_ALL=C sort <<<"$listed" | uniq -d)
  [ -n "$dups" ] && { echo "version map: listed in more than one node: $dups"; bad=1; }
  declared=$(header_functions "$inc")
  local diff_out
  diff_out=$(diff <(echo "$declared") <(LC_ALL=C sort -u <<<"$listed"))
  if [ -n "$diff_out" ]; then
    echo "version map: the functions of the stable headers (<) and of the map (>) differ:"
    echo "$diff_out" | grep '^[<>]' | sed 's/^/  /'; bad=1
  fi
  nodes=$(sed -nE 's/^(POLYSCORE_[0-9.]+) *\{.*/\1/p' "$map")
  n=0; want_nodes=""
  for _ in $nodes; do want_nodes+="POLYSCORE_1.$n "; n=$((n + 1)); done
  if [ "$(echo $nodes) " != "$want_nodes" ]; then
    echo "version map: nodes are '$(echo $nodes)', want '$want_nodes' (one per ABI version, in order)"; bad=1
  fi
  local prev="" node parent
  for node in $nodes; do
    parent=$(sed -nE "/^${node//./\\.} *\{/,/^\}/p" "$map" | sed -nE 's/^\} *([A-Z0-9_.]*) *;.*/\1/p')
    [ "$parent" = "$prev" ] || { echo "version map: $node inherits '$parent', want '$prev'"; bad=1; }
    prev=$node
  done
  [ $bad -eq 0 ] && echo "version map: $(wc -l <<<"$declared") functions of the headers, each named once, in nodes $(echo $nodes)"
  return $bad
}
