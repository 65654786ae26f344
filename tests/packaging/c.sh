# C/C++: `cmake --install` of a library-only build into a prefix; a program outside the
# repository builds against it through pkg-config and through find_package(polyscore);
# the installed CLI scores; `cpack -G DEB` packs the same files.
# (Sourced by tests/packaging/test.sh.)

# score_c_output OUTPUT: "score=0.85511273145675659 label=fraud" -> shortest repr
shortest() { python3 -c 'import sys; print(repr(float(sys.argv[1].split()[0].split("=")[1])))' "$1"; }

package_c() {
  local build=$WORK/c-build prefix
  prefix=$(newdir c-prefix)
  timed "C: cmake build + install" bash -c '
    cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_TESTS=OFF >/dev/null &&
    cmake --build "$2" >/dev/null && cmake --install "$2" --prefix "$3" >/dev/null' _ "$ROOT" "$build" "$prefix"
  local f
  for f in lib/libpolyscore.so.1 lib/libpolyscore.so include/polyscore/polyscore.h bin/polyscore \
           lib/pkgconfig/polyscore.pc lib/cmake/polyscore/polyscoreConfig.cmake; do
    [ -e "$prefix/$f" ] || { echo "   FAIL C: $prefix/$f was not installed"; failed+=("C install $f"); }
  done
  [ "$(readlink "$prefix/lib/libpolyscore.so")" = libpolyscore.so.1 ] ||
    { echo "   FAIL C: libpolyscore.so does not link to the SONAME"; failed+=("C SONAME link"); }

  # pkg-config, the way a Makefile would use it.
  local app
  app=$(newdir c-pkgconfig)
  cp "$ROOT/examples/fraud/c/score.c" "$MODEL" "$app/"
  clean "$app" env PKG_CONFIG_PATH="$prefix/lib/pkgconfig" sh -c \
    'cc -std=c99 -Wall -Werror score.c $(pkg-config --cflags --libs polyscore) \
        -Wl,-rpath,$(pkg-config --variable=libdir polyscore) -o score'
  check_score "C via pkg-config" "$(shortest "$(clean "$app" ./score fraud-v3.json 0.4 1.2)")"
  AFTER+=("C via pkg-config:shortest \"\$(clean '$app' ./score fraud-v3.json 0.4 1.2)\"")

  # CMake, find_package(polyscore) -> polyscore::polyscore.
  app=$(newdir c-cmake)
  cp "$ROOT/examples/fraud/c/score.c" "$MODEL" "$app/"
  cat >"$app/CMakeLists.txt" <<'EOT'
cmake_minimum_required(VERSION 3.20)
project(fraud_score C)
find_package(polyscore 1 REQUIRED)
add_executable(score score.c)
target_link_libraries(score PRIVATE polyscore::polyscore)
EOT
  clean "$app" sh -c 'cmake -S . -B out -DCMAKE_PREFIX_PATH="$1" >/dev/null && cmake --build out >/dev/null' _ "$prefix"
  check_score "C via find_package" "$(shortest "$(clean "$app" out/score fraud-v3.json 0.4 1.2)")"
  AFTER+=("C via find_package:shortest \"\$(clean '$app' out/score fraud-v3.json 0.4 1.2)\"")

  # The CLI, from the prefix.
  printf '0.4,1.2\n' >"$app/row.csv"
  check_score "CLI installed" "$(clean "$app" "$prefix/bin/polyscore" predict fraud-v3.json --input row.csv)"
  AFTER+=("CLI installed:clean '$app' '$prefix/bin/polyscore' predict fraud-v3.json --input row.csv")
  C_PREFIX=$prefix   # the Python section runs the CLI's vector tests against it

  # The Debian package, from the same build.
  if command -v dpkg-deb >/dev/null; then
    (cd "$build" && cpack -G DEB >/dev/null 2>&1) || { failed+=("cpack -G DEB"); return 0; }
    local deb
    deb=$(ls "$build"/libpolyscore1_*.deb)
    local listing; listing=$(dpkg-deb -c "$deb")
    for f in libpolyscore.so.1 include/polyscore/polyscore.h bin/polyscore polyscore.pc polyscoreConfig.cmake; do
      grep -q "$f" <<<"$listing" || { echo "   FAIL deb: no $f in $(basename "$deb")"; failed+=("deb $f"); }
    done
    echo "   ok   $(basename "$deb") ($(dpkg-deb -f "$deb" Depends))"
  fi
}
