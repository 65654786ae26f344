#!/usr/bin/env bash
# Runs the x86-64 test binary on two CPUs this host is not, emulated by qemu-user: a
# Haswell (AVX2 and no AVX-512, as many cloud instances are) and a Nehalem (SSE4.2, no
# AVX). The walks and the SHAP kernels choose their instruction set from cpuid, so this is
# what those machines run, found the way they find it, not through POLYSCORE_NO_AVX512 /
# POLYSCORE_NO_AVX2 (which ctest covers on this host). Every conformance vector (values,
# margins, leaves, contributions bit for bit) and every walk check must pass on each.
# Timings under emulation mean nothing; bench/ measures speed. Needs qemu-user
# (scripts/setup.sh) and the Release build ($POLYSCORE_BUILD_DIR, default build/).
set -euo pipefail
cd "$(dirname "$0")/../.."
TESTS=${POLYSCORE_BUILD_DIR:-$PWD/build}/polyscore_tests
[ -x "$TESTS" ] || { echo "no test binary at $TESTS (scripts/setup.sh builds it)" >&2; exit 1; }
# Not the tests whose code takes no instruction set from cpuid (interactions), that
# repeat a check across threads, or that compare a lone row's SHAP lanes with the scalar
# walk on very deep trees (ctest's ConformanceContribOneRowAvx2 runs those with AVX2 on
# this host; a CPU without AVX2 has no such lanes): under emulation they took two thirds
# of the time, and the conformance vectors' contributions still check each CPU's kernels.
FILTER='Vectors/*Conformance.*:*Walk*:*Contrib*:*OneRow*-Interactions.*:*TwoThreads*:*AnyThreadCount*:*DeepTrees*'

run_on() {  # CPU model, the top-level walk its cpuid must lead to
  # qemu warns about each host feature its emulator lacks; only the tests' output matters.
  POLYSCORE_EXPECT_TOP_LEVELS=$2 qemu-x86_64 -cpu "$1" "$TESTS" --gtest_brief=1 \
    --gtest_filter="$FILTER" 2>&1 | grep -v "TCG doesn't support requested feature"
  return "${PIPESTATUS[0]}"
}
# The two CPUs side by side.
source tests/cross/side_by_side.sh
start_beside "Haswell (qemu-x86_64 -cpu Haswell): avx2" run_on Haswell avx2
start_beside "Nehalem (qemu-x86_64 -cpu Nehalem): scalar" run_on Nehalem scalar
wait_beside || { echo "x86-64 CPUs without AVX-512 (qemu-user): FAILED" >&2; exit 1; }
echo "x86-64 CPUs without AVX-512 (qemu-user): all checks passed"
