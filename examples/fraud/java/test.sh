#!/usr/bin/env bash
# Runs the Java fraud example for every row of examples/fraud/expected.csv and checks
# the printed score against the expected probability (1e-12 relative) and the label.
# Needs the binding's classes (bindings/java/target/classes, built by `mvn test`) and
# the JNI glue: POLYSCORE_JNI_LIBRARY=/path/to/libpolyscore_jni.so. Called by
# bindings/java/test.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CLASSES=${POLYSCORE_JAVA_CLASSES:-$ROOT/bindings/java/target/classes}
: "${POLYSCORE_JNI_LIBRARY:?set POLYSCORE_JNI_LIBRARY to libpolyscore_jni.so}"

# Compile once (the single-file launch would compile on every run).
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
javac -d "$OUT" -cp "$CLASSES" "$HERE/Fraud.java"
run() { java -cp "$OUT:$CLASSES" -Dpolyscore.jni.path="$POLYSCORE_JNI_LIBRARY" Fraud "$@"; }

pass=0 fail=0
check() {  # check OUTPUT EXPECTED_SCORE: compares score= and label= of one run
  local out=$1 want=$2
  if awk -v out="$out" -v want="$want" 'BEGIN {
        n = split(out, f, /[ =]/); score = f[2]; label = f[4];
        d = score - want; if (d < 0) d = -d;
        m = want < 0 ? -want : want;
        ok = (f[1] == "score" && f[3] == "label" && d <= 1e-12 * m &&
              label == (want >= 0.5 ? "fraud" : "legit"));
        exit ok ? 0 : 1 }'; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: got '$out', expected score $want"
  fi
}

# The default features (0.4 1.2) are the first row of expected.csv.
default_want=$(sed -n 2p "$ROOT/examples/fraud/expected.csv" | cut -d, -f3)
check "$(cd "$ROOT" && run)" "$default_want"
while IFS=, read -r a v want; do
  [ "$a" = amount_zscore ] && continue
  check "$(run --model "$ROOT/examples/fraud/fraud-v3.json" "$a" "$v")" "$want"
done < "$ROOT/examples/fraud/expected.csv"

echo "fraud example (java): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
