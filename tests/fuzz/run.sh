#!/usr/bin/env bash
# Fuzzes the model loaders, the predictor behind them, and the CLI's CSV reader with
# libFuzzer (clang-14, -fsanitize=fuzzer,address,undefined); tests/fuzz/README.md says
# what each target checks and what to do with a crash.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# SECONDS per target (default 300); TARGETs among xgboost_json xgboost_ubjson
# lightgbm_text csv (default all, one after the other). Before fuzzing, every input
# under tests/fuzz/regressions/TARGET/ is replayed and must pass. scripts/test.sh runs
# `tests/fuzz/run.sh 20` as a smoke test. The corpus grows in build-fuzz/corpus/TARGET
# and is reused by the next run; crashes are written to build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET=${1:-300}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(xgboost_json xgboost_ubjson lightgbm_text csv)
for p in clang-14 libclang-rt-14-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || { echo "tests/fuzz: needs $p (scripts/setup.sh installs it)" >&2; exit 1; }
done

BUILD=build-fuzz
# -O1 and line tables only, as OSS-Fuzz builds: cheaper to compile than -O2 -g, and the
# reports still give file:line.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYSCORE_TESTS=OFF -DPOLYSCORE_CLI=OFF \
  -DPOLYSCORE_INSTALL=OFF -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DPOLYSCORE_FUZZ=ON \
  -DPOLYSCORE_SANITIZE="address,undefined" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" >/dev/null
cmake --build "$BUILD" -j2 --target "${TARGETS[@]/#/polyscore_fuzz_}"

# seed TARGET DIR: fills DIR with the target's seed inputs (the conformance models of its
# format; for csv, the head of some conformance rows behind the byte the target reads first).
seed() {
  case $1 in
    # The frame models are the ones with training categories (XGBoost's cats,
    # LightGBM's pandas_categorical line).
    xgboost_json) cp tests/vectors/models/*.json tests/vectors/frames/*_frame_binary.json "$2/" ;;
    xgboost_ubjson) cp tests/vectors/models/*.ubj tests/vectors/frames/*_frame_binary.ubj "$2/" ;;
    lightgbm_text) cp tests/vectors/models/*.txt tests/vectors/frames/*_frame_binary.txt "$2/" ;;
    csv)
      local f n
      for f in tests/vectors/data/*binary_logistic.X.csv tests/vectors/data/*categorical*.X.csv \
               tests/vectors/sparse/data/*.X.csv; do
        [ -f "$f" ] || continue
        n=$(head -n 1 "$f" | tr ',' '\n' | wc -l)
        [ "$n" -le 16 ] || n=16
        { printf "\\x$(printf %02x $((n - 1)))"; head -n 12 "$f"; } >"$2/$(basename "$f")"
      done ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
mkdir -p "$BUILD/artifacts"
for t in "${TARGETS[@]}"; do
  fuzzer=$BUILD/polyscore_fuzz_$t
  log=$BUILD/artifacts/$t.log
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $t: replaying ${#regressions[@]} regression input(s)"
    "$fuzzer" "${regressions[@]}" >"$log" 2>&1 || { cat "$log"; echo "== $t: a regression input fails"; exit 1; }
  fi
  corpus=$BUILD/corpus/$t
  if [ ! -d "$corpus" ]; then mkdir -p "$corpus" && seed "$t" "$corpus"; fi
  echo "== $t: fuzzing for ${SECONDS_PER_TARGET}s from $(ls "$corpus" | wc -l) corpus inputs"
  status=0
  "$fuzzer" -max_total_time="$SECONDS_PER_TARGET" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-" "$corpus" >"$log" 2>&1 || status=$?
  if [ $status -ne 0 ]; then
    tail -n 80 "$log"
    echo "== $t: the fuzzer found a failing input (above; full log $log)"
    exit 1
  fi
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
echo "== fuzzing: no failure"
