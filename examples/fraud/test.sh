#!/usr/bin/env bash
# The fraud example in C and from the CLI: both must give XGBoost's own scores
# (examples/fraud/expected.csv).
set -euo pipefail
cd "$(dirname "$0")"
BUILD=${POLYSCORE_BUILD_DIR:-../../build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then passed=$((passed+1)); else echo "FAIL $1: expected '$2' got '$3'"; failed=$((failed+1)); fi
}
cc -std=c99 -Wall -Werror c/score.c -I../../include -L"$BUILD" -Wl,-rpath,"$BUILD" -lpolyscore -o "$tmp/score"
tail -n +2 expected.csv | while IFS=, read -r a v p; do echo "$a $v $p"; done > "$tmp/rows"
while read -r a v p; do
  label=$(python3 -c "print('fraud' if $p >= 0.5 else 'legit')")
  check "c $a,$v" "score=$(python3 -c "print(repr(float('$p')))") label=$label" \
        "$("$tmp/score" fraud-v3.json "$a" "$v" | sed 's/score=\([^ ]*\)/score=\1/' | python3 -c "import sys; s=sys.stdin.read().split(); print('score='+repr(float(s[0][6:])), s[1])")"
done < "$tmp/rows"
check "cli" "$(tail -n +2 expected.csv | cut -d, -f3)" \
      "$("$BUILD/polyscore" predict fraud-v3.json --input rows.csv --header)"
check "c bad model" "1" "$("$tmp/score" /nonexistent.json 2>/dev/null; echo $?)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
