#!/usr/bin/env bash
# The generated constants: every binding's constants file and src/wire/abi_names_gen.h
# must be what scripts/gen_constants.py makes from include/polyscore/*.h today (run it
# and commit when this fails), and the generator's own tests (drift is caught; both
# header forms are read).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$ROOT/scripts/gen_constants.py" --check
python3 "$ROOT/tests/constants/test_gen_constants.py"
