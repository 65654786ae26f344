# Python: the sdist (which carries the C++ sources) is built from bindings/python;
# in a new venv outside the repository, `pip wheel` builds the platform wheel from it
# (scikit-build-core + CMake; the one compile of this section), auditwheel names its
# manylinux tag, `pip install` installs it; the wheel's own libpolyscore.so.1 scores,
# and the binding's conformance tests and the CLI's vector tests run against it.
# (Sourced by tests/packaging/test.sh.)

package_python() {
  local tools=$WORK/py-tools dist=$WORK/py-dist
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check build auditwheel
  "$tools/bin/python" -m build --sdist --outdir "$dist" "$ROOT/bindings/python" >/dev/null 2>&1
  local sdist=$dist/polyscore-$VERSION.tar.gz
  local f listing
  listing=$(tar tzf "$sdist")
  for f in core/CMakeLists.txt core/include/polyscore/polyscore.h core/src/capi/polyscore.map \
           core/third_party/simdjson/simdjson.cpp src/polyscore/_lib.py; do
    grep -qx "polyscore-$VERSION/$f" <<<"$listing" ||
      { echo "   FAIL python: the sdist lacks $f"; failed+=("sdist $f"); }
  done

  local app
  app=$(newdir python)
  cp "$sdist" "$MODEL" "$app/"
  timed "Python: pip install sdist (builds)" clean "$app" sh -c '
    python3 -m venv venv &&
    venv/bin/pip wheel -q --disable-pip-version-check --no-deps polyscore-'"$VERSION"'.tar.gz -w wheels &&
    venv/bin/pip install -q --disable-pip-version-check wheels/polyscore-*.whl'
  local wheel; wheel=$(ls "$app"/wheels/polyscore-*.whl)
  echo "   wheel: $(basename "$wheel")"
  case $(basename "$wheel") in
    *none-any.whl) echo "   FAIL python: the wheel is not tagged for its platform"; failed+=("wheel tag") ;;
  esac
  grep -q ' polyscore/libpolyscore.so.1$' <<<"$(unzip -l "$wheel")" ||
    { echo "   FAIL python: no polyscore/libpolyscore.so.1 in the wheel"; failed+=("wheel library"); }
  "$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | sed 's/  */ /g' | grep -o 'consistent with the following platform tag: "[^"]*"' |
    sed 's/^/   auditwheel: /' || { echo "   FAIL python: auditwheel found no manylinux tag"; failed+=("auditwheel"); }

  local score='import polyscore
with polyscore.Model.load("fraud-v3.json") as m:
    print(repr(float(m.predict([[0.4, 1.2]])[0])))'
  check_score "Python wheel" "$(clean "$app" venv/bin/python -c "$score")"
  AFTER+=("Python wheel:clean '$app' venv/bin/python -c '$score'")
  # The library it loaded is the one inside the installed package.
  local where
  where=$(clean "$app" venv/bin/python -c 'import polyscore._lib as l, os; print(os.path.realpath(l.get()._name))')
  case $where in
    "$app"/venv/lib/python3*/site-packages/polyscore/libpolyscore.so.1) echo "   ok   Python loads $where" ;;
    *) echo "   FAIL python: loaded $where, not the package's library"; failed+=("python library path") ;;
  esac

  # The binding's conformance vectors, and the installed CLI's (C section), run from the
  # installed package: the tests come from the checkout, the code under test does not.
  if [ -z "${C_PREFIX:-}" ]; then echo "   (conformance tests skipped: they need the C section's CLI)"; return 0; fi
  clean "$app" venv/bin/pip install -q --disable-pip-version-check pytest scipy
  if clean "$app" env POLYSCORE_BUILD_DIR="$C_PREFIX/bin" venv/bin/python -m pytest -q -p no:cacheprovider \
       --rootdir "$app" -c /dev/null "$ROOT/bindings/python/tests/test_conformance.py" \
       "$ROOT/tests/cli/test_cli.py" | tail -1; then
    echo "   ok   Python conformance vectors, and the installed CLI's"
  else
    echo "   FAIL python: conformance tests"; failed+=("python conformance")
  fi
}
