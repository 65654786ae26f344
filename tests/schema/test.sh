#!/usr/bin/env bash
# Schema rules (docs/wire.md): buf lint, buf breaking against the last released schemas,
# and proof that buf breaking catches a retyped and a reused field number.
# buf comes from npm (@bufbuild/buf), installed into build/tools on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUF_VERSION=1.75.0
BUF=$ROOT/build/tools/node_modules/.bin/buf
if ! command -v npm >/dev/null; then
  echo "== installing node and npm (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x "$BUF" ] || [ "$("$BUF" --version)" != "$BUF_VERSION" ]; then
  npm install --silent --no-save --no-audit --no-fund --ignore-scripts --prefix "$ROOT/build/tools" "@bufbuild/buf@$BUF_VERSION"
fi

failures=0
checks=0
check() {  # check NAME EXPECTED(pass|fail) COMMAND...: runs COMMAND, compares the outcome
  local name=$1 expected=$2; shift 2
  local out outcome=pass
  checks=$((checks + 1))
  out=$("$@" 2>&1) || outcome=fail
  if [ "$outcome" = "$expected" ]; then
    echo "ok   $name"
  else
    echo "FAIL $name: expected $expected, got $outcome"; echo "$out" | sed 's/^/     /'
    failures=$((failures + 1))
  fi
  LAST_OUTPUT=$out
}
expect_rule() {  # expect_rule NAME RULE: the last failing check named RULE
  checks=$((checks + 1))
  if grep -q "$2" <<<"$LAST_OUTPUT"; then echo "ok   $1 names $2"; else
    echo "FAIL $1: $2 not in:"; echo "$LAST_OUTPUT" | sed 's/^/     /'; failures=$((failures + 1)); fi
}

check "buf lint proto" pass "$BUF" lint proto
check "buf breaking proto against tests/schema/released" pass \
  "$BUF" breaking proto --against tests/schema/released

# Changed copies of the schemas, each compared against the released ones.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
variant() {  # variant NAME SED-SCRIPT FILE: a copy of proto/ with one edit
  rm -rf "$work/$1"; cp -r proto "$work/$1"
  sed -i "$2" "$work/$1/$3"
  if cmp -s "proto/$3" "$work/$1/$3"; then echo "FAIL variant $1 changed nothing"; failures=$((failures + 1)); fi
}

variant added 's/^  string model_version = 3;$/  string model_version = 3;\n  string request_id = 4;/' fraud/v1/fraud.proto
check "adding a field is allowed" pass "$BUF" breaking "$work/added" --against tests/schema/released

variant retyped 's/^  double score = 1;$/  float score = 1;/' fraud/v1/fraud.proto
check "retyping fraud.v1 PredictResponse.score is caught" fail \
  "$BUF" breaking "$work/retyped" --against tests/schema/released --error-format=json
expect_rule "retyping" FIELD_SAME_TYPE

variant reused 's/^  string label = 2;$/  int32 risk_class = 2;/' fraud/v1/fraud.proto
check "reusing field number 2 of PredictResponse is caught" fail \
  "$BUF" breaking "$work/reused" --against tests/schema/released --error-format=json
expect_rule "reusing" FIELD_SAME_NAME

variant renumbered 's/^  repeated double float64_values = 6;$/  repeated double float64_values = 16;/' polyscore/v1/scoring.proto
check "renumbering polyscore.v1 PredictRequest.float64_values is caught" fail \
  "$BUF" breaking "$work/renumbered" --against tests/schema/released --error-format=json
expect_rule "renumbering" FIELD_NO_DELETE

variant oip 's/^  repeated bytes raw_input_contents = 7;$/  repeated bytes raw_input_contents = 8;/' inference/grpc_predict_v2.proto
check "moving an Open Inference Protocol field is caught" fail \
  "$BUF" breaking "$work/oip" --against tests/schema/released

echo "$(( checks - failures )) passed, $failures failed"
[ "$failures" -eq 0 ]
