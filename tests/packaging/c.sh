# C/C++: `cmake --install` of a library-only build into a prefix; a program outside the
# repository builds against it through pkg-config and through find_package(polyscore);
# the installed CLI scores (its conformance vectors run in the Python section, and every
# binding's vector test compares its bits with this installed CLI's); `cpack
# -G DEB` packs the same files into libpolyscore1, libpolyscore-dev and polyscore, with
# the library in the multiarch directory (and lintian, when installed, finds no error
# but the ones docs/packaging.md lists).
# (Sourced by tests/packaging/test.sh.)

# score_c_output OUTPUT: "score=0.85511273145675659 label=fraud" -> shortest repr
shortest() { python3 -c 'import sys; print(repr(float(sys.argv[1].split()[0].split("=")[1])))' "$1"; }

package_c() {
  local build=$WORK/c-build prefix
  prefix=$(newdir c-prefix)
  timed "C: cmake build + install" bash -c '
    cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr -DPOLYSCORE_PACKAGE_CONTACT="Packaging Test <packaging-test@example.org>" >/dev/null &&
    cmake --build "$2" >/dev/null && cmake --install "$2" --prefix "$3" >/dev/null' _ "$ROOT" "$build" "$prefix"
  # Configured for /usr: GNUInstallDirs' multiarch library directory, under any prefix.
  local f lib=lib/$(gcc -print-multiarch)
  for f in $lib/libpolyscore.so.1 $lib/libpolyscore.so include/polyscore/polyscore.h bin/polyscore \
           $lib/pkgconfig/polyscore.pc $lib/cmake/polyscore/polyscoreConfig.cmake; do
    [ -e "$prefix/$f" ] || { echo "   FAIL C: $prefix/$f was not installed"; failed+=("C install $f"); }
  done
  [ "$(readlink "$prefix/$lib/libpolyscore.so")" = libpolyscore.so.1 ] ||
    { echo "   FAIL C: libpolyscore.so does not link to the SONAME"; failed+=("C SONAME link"); }

  # pkg-config, the way a Makefile would use it.
  local app
  app=$(newdir c-pkgconfig)
  cp "$ROOT/examples/fraud/c/score.c" "$MODEL" "$app/"
  clean "$app" env PKG_CONFIG_PATH="$prefix/$lib/pkgconfig" sh -c \
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
  C_PREFIX=$prefix C_LIBDIR=$prefix/$lib   # the other sections score with this CLI and library

  # The Debian packages, from the same build.
  if command -v dpkg-deb >/dev/null; then
    (cd "$build" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; failed+=("cpack -G DEB"); return 0; }
    local deb listing=""
    for deb in "$build"/*.deb; do listing+=$(dpkg-deb -c "$deb" | sed "s|^|$(dpkg-deb -f "$deb" Package): |")$'\n'; done
    for f in "libpolyscore1: .* ./usr/$lib/libpolyscore.so.1.0.0" "libpolyscore1: .* ./usr/$lib/libpolyscore.so.1 -> " \
             "libpolyscore-dev: .* ./usr/$lib/libpolyscore.so -> " "libpolyscore-dev: .* ./usr/include/polyscore/polyscore.h" \
             "libpolyscore-dev: .* ./usr/$lib/pkgconfig/polyscore.pc" "libpolyscore-dev: .* ./usr/$lib/cmake/polyscore/polyscoreConfig.cmake" \
             "polyscore: .* ./usr/bin/polyscore" "polyscore: .* ./usr/share/doc/polyscore/copyright"; do
      grep -q "$f" <<<"$listing" || { echo "   FAIL deb: no '$f'"; failed+=("deb $f"); }
    done
    if grep -q ' ./usr/lib/libpolyscore' <<<"$listing"; then echo "   FAIL deb: a library outside /usr/$lib"; failed+=("deb multiarch"); fi
    for deb in "$build"/*.deb; do echo "   ok   $(basename "$deb") (Depends: $(dpkg-deb -f "$deb" Depends))"; done
    if command -v lintian >/dev/null; then
      # The errors left: no Debian changelog (CPack writes none) and CPack's ldconfig calls
      # in postinst instead of a trigger.
      local errors
      errors=$(lintian "$build"/*.deb 2>/dev/null | grep '^E:' | grep -v -e ' no-changelog ' -e ' lacks-ldconfig-trigger ' || true)
      [ -z "$errors" ] && echo "   ok   lintian: no other errors" || { echo "$errors" | sed 's/^/   /'; failed+=("lintian"); }
    fi
  fi
}
