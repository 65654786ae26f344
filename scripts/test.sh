#!/usr/bin/env bash
# Runs every test: the C++ suite (also under ASan+UBSan and TSan), the CLI (also under
# ASan+UBSan), a short fuzzing of the loaders and the CSV reader, every
# binding, and the ABI checks. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/setup.sh

failed=()
failed_logs=()
suites=0
# Each suite's output also goes to a log, so that the end of a failed suite's output is
# printed again last, where a CI page that shows only the end of a run still shows it.
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
run() {  # run NAME COMMAND...: runs one suite, remembers a failure, goes on
  local name=$1; shift
  suites=$((suites + 1))
  local log=$LOGS/$suites.log
  echo
  echo "================ $name"
  local start=$SECONDS
  # tee by process substitution: a server a suite left behind cannot hold the suite open.
  if "$@" > >(tee "$log") 2>&1; then
    echo "== $name: ok ($((SECONDS - start)) s)"
  else
    echo "== $name: FAILED ($((SECONDS - start)) s)"
    failed+=("$name")
    failed_logs+=("$log")
  fi
}

# The committed conformance vectors agree with their manifest (shapes, kinds, files).
run "conformance vectors manifest" python3 tests/gen/check_vectors.py
# Tracked symbolic links stay inside the repository (a clone elsewhere gets the same tree).
run "tracked links" bash tests/repo/tracked_links.sh
run "C++ tests" ctest --test-dir build --output-on-failure -j2

# The C++ suite and the CLI tests under AddressSanitizer and UndefinedBehaviorSanitizer
# (undefined behaviour stops the program: -fno-sanitize-recover, CMakeLists.txt). The
# CLI tests run the sanitized CLI; their round trip through the Python binding uses the
# plain library (a sanitized one would have to be preloaded into Python).
run "C++ and CLI tests under ASan+UBSan" bash -c '
  cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOLYSCORE_SANITIZE=address,undefined >/dev/null &&
  cmake --build build-san --target polyscore_tests polyscore_cli &&
  export ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:exitcode=86 &&
  ./build-san/polyscore_tests --gtest_brief=1 &&
  POLYSCORE_BUILD_DIR="$PWD/build-san" POLYSCORE_LIBRARY="$PWD/build/libpolyscore.so.1" bash tests/cli/test.sh'

# libFuzzer, 20 s per target (three loaders, the CSV reader) after replaying the
# inputs that once failed (tests/fuzz/README.md).
run "fuzz smoke (libFuzzer, ASan+UBSan)" bash tests/fuzz/run.sh 20

# The portable fallback (no inline assembly, no AVX-512), as other CPUs build it; and
# everything built by clang with warnings as errors.
run "C++ tests, portable build" bash -c '
  cmake -S . -B build-portable -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_PORTABLE=ON -DPOLYSCORE_WERROR=ON >/dev/null &&
  cmake --build build-portable --target polyscore_tests &&
  ./build-portable/polyscore_tests --gtest_brief=1'

run "clang build with -Werror" bash -c '
  cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 -DPOLYSCORE_WERROR=ON >/dev/null &&
  cmake --build build-clang &&
  ./build-clang/polyscore_tests --gtest_brief=1'

# The library and the C++ suite cross-built for aarch64 (the portable walk) and run
# under qemu-user: every conformance vector, and the same doubles as x86-64. About 5 minutes.
run "aarch64 build under qemu-user" env POLYSCORE_BUILD_DIR="$ROOT/build" bash tests/cross/test.sh
# The x86-64 suite on an emulated AVX2-only CPU (Haswell) and an SSE4.2 one (Nehalem):
# the instruction sets chosen from cpuid as on those machines, side by side. About 6 minutes.
run "x86-64 without AVX-512 under qemu-user" env POLYSCORE_BUILD_DIR="$ROOT/build" bash tests/cross/x86_cpus.sh

# The concurrency tests (worker pool, threads sharing a model, free during predict,
# tables made at a first call)
# under ThreadSanitizer, repeated so that the threads interleave in many ways. Not the
# fork test: TSan cannot start threads in the child of a multi-threaded fork.
run "C++ concurrency tests under ThreadSanitizer" bash -c '
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOLYSCORE_SANITIZE=thread >/dev/null &&
  cmake --build build-tsan --target polyscore_tests &&
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ./build-tsan/polyscore_tests --gtest_brief=1 \
    --gtest_repeat=100 --gtest_filter="WorkerPool.*:CApi.ThreadsShareOneModelAndSurviveFree:CApi.MultiThreadedBatchEqualsSingleThreaded:KeyWalks.LinkedWalkOfAPartBlock*:RowBlockWalk.BuiltAtTheFirstSingleRowNotAtLoad:TreeBlockWalk.BuiltAtTheFirstSingleRowNotAtLoad:BitvectorWalk.LinkedTablesBuiltAtTheFirstSingleRowNotAtLoad:BitvectorWalk.CategoricalRowTablesBuiltOnceWhileThreadsScoreRows:BitvectorWalk.BatchTablesBuiltOnceWhileThreadsScoreBatches:ShapAlgorithm.FirstCallsFromManyThreadsAtOnceAgree-WorkerPool.ForkedChildFinishesItsCalls"'

run "schemas (buf lint, buf breaking)" bash tests/schema/test.sh
run "server (polyscore serve)" env POLYSCORE_BUILD_DIR="$ROOT/build" bash tests/server/test.sh
# The server under AddressSanitizer (build-asan, beside the C++ ASan suite): every server
# test but the two drain-deadline timings, which ASan's slowdown upsets, and the CLI
# subcommand (build-asan has no CLI). A report or a leak at exit fails the test that
# stops that server (exit status 0 expected). The Python clients use the plain library.
run "server under AddressSanitizer" bash -c '
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOLYSCORE_SANITIZE=address -DPOLYSCORE_SERVER=ON >/dev/null &&
  cmake --build build-asan --target polyscore_serve &&
  POLYSCORE_BUILD_DIR="$PWD/build-asan" POLYSCORE_LIBRARY="$PWD/build/libpolyscore.so.1" \
    bash tests/server/test.sh -k "not subcommand_runs_the_server and not sigterm_drain"'

for suite in tests/constants/test.sh tests/cli/test.sh bindings/*/test.sh examples/*/test.sh abi_tests/test.sh tests/worker/test.sh; do
  [ -f "$suite" ] || continue
  run "$suite" env POLYSCORE_LIBRARY="$ROOT/build/libpolyscore.so.1" POLYSCORE_BUILD_DIR="$ROOT/build" bash "$suite"
done

# The spectrum benchmark end to end on tiny repeats, so that it cannot rot (~20 s).
run "bench/spectrum/run.sh --smoke" env POLYSCORE_BUILD_DIR="$ROOT/build" bash bench/spectrum/run.sh --smoke
# The serve throughput script with wrk and h2load on 2 s runs (~10 s): fails on any error.
run "bench/serve/throughput.sh --smoke" env POLYSCORE_BUILD_DIR="$ROOT/build" bash bench/serve/throughput.sh --smoke

# Every package installed the ecosystem's way in a clean directory (tests/packaging).
run "tests/packaging/test.sh" bash tests/packaging/test.sh

echo
if [ ${#failed[@]} -gt 0 ]; then
  sleep 1  # lets tee write the last lines
  for i in "${!failed[@]}"; do
    echo "================ the end of ${failed[$i]}'s output"
    tail -n 60 "${failed_logs[$i]}"
  done
  echo
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
