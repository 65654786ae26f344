#!/usr/bin/env bash
# Sets up polyscore on a fresh machine and scores the bundled fraud model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
MODEL=examples/fraud/fraud-v3.json
echo
echo "== polyscore info $MODEL"
build/polyscore info "$MODEL"
echo
echo "== the request {\"features\":[0.4,1.2],\"model\":\"fraud-v3\"}"
echo "0.4,1.2" | build/polyscore predict "$MODEL" --input -
echo
echo "== polyscore predict $MODEL --input examples/fraud/rows.csv --header"
build/polyscore predict "$MODEL" --input examples/fraud/rows.csv --header
