#!/usr/bin/env bash
# Java binding suite: installs the JDK and Maven if missing, builds the JNI glue with
# CMake (-DPOLYSCORE_JAVA=ON) into $POLYSCORE_BUILD_DIR (or build-java/), runs the JUnit 5
# tests with Maven, then the Java fraud example's check.
#   env: POLYSCORE_BUILD_DIR  build tree of the library (default: <repo>/build-java)
#        POLYSCORE_LIBRARY    libpolyscore.so.1 to load (default: the one the glue links)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

need=()
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v c++ >/dev/null || need+=(g++)
dpkg -s nlohmann-json3-dev >/dev/null 2>&1 || need+=(nlohmann-json3-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "== java: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
export JAVA_HOME

# The glue, built from the same CMake tree as the library.
BUILD=${POLYSCORE_BUILD_DIR:-$ROOT/build-java}
GEN=(); [ -f "$BUILD/CMakeCache.txt" ] || GEN=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" -DPOLYSCORE_JAVA=ON >/dev/null
LOG=$(mktemp)
if ! cmake --build "$BUILD" --target polyscore polyscore_cli polyscore_jni >"$LOG" 2>&1; then
  cat "$LOG"; rm -f "$LOG"; echo "java: building the JNI glue failed"; exit 1
fi
rm -f "$LOG"
JNI_LIB="$BUILD/bindings/java/libpolyscore_jni.so"
[ -f "$JNI_LIB" ] || { echo "java: $JNI_LIB was not built"; exit 1; }

# Offline when everything the build needs is already in the local Maven repository.
M2=${MAVEN_REPO:-$HOME/.m2/repository}
OFFLINE=()
if [ -d "$M2/org/junit/jupiter/junit-jupiter-engine/5.14.1" ] &&
   [ -d "$M2/org/apache/maven/surefire/surefire-junit-platform/3.5.4" ] &&
   [ -d "$M2/org/apache/maven/plugins/maven-compiler-plugin/3.13.0" ]; then
  OFFLINE=(-o)
fi

cd "$HERE"
rm -rf target/surefire-reports
# (Debian's Maven prints colour resets even with -B: strip them.)
run_mvn() {
  set +e
  mvn -q -B "$@" test -Dpolyscore.build.dir="$BUILD" -Dpolyscore.jni.path="$JNI_LIB" \
    -Dpolyscore.cli="$BUILD/polyscore" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
  status=${PIPESTATUS[0]}
  set -e
}
run_mvn "${OFFLINE[@]}"
if [ "$status" -ne 0 ] && [ ${#OFFLINE[@]} -gt 0 ] && [ ! -d target/surefire-reports ]; then
  echo "== java: offline Maven run failed before testing; retrying online"
  run_mvn
fi
# One summary line from the Surefire reports (mvn -q prints only failures).
if ls target/surefire-reports/*.txt >/dev/null 2>&1; then
  cat target/surefire-reports/*.txt | awk '/Tests run:/ {
      gsub(",", ""); for (i = 1; i <= NF; i++) {
        if ($i == "run:") r += $(i+1); if ($i == "Failures:") f += $(i+1);
        if ($i == "Errors:") e += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
    END { printf "java binding: Tests run: %d, Failures: %d, Errors: %d, Skipped: %d\n", r, f, e, s }'
fi
[ "$status" -eq 0 ] || { echo "java binding: mvn test failed"; exit "$status"; }

POLYSCORE_JNI_LIBRARY="$JNI_LIB" bash "$ROOT/examples/fraud/java/test.sh"
