"""Where the shared library is loaded from: POLYSCORE_LIBRARY, beside the package, then
the system loader."""
import os
import shutil
import subprocess
import sys

import polyscore

PROBE = "import polyscore; print(polyscore.library_path()); print(polyscore.abi_version())"


def run(env, cwd=None):
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def base_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("POLYSCORE_LIBRARY", "LD_LIBRARY_PATH")}
    return env


def test_from_environment_variable():
    lib = os.environ["POLYSCORE_LIBRARY"]
    r = run(dict(base_env(), POLYSCORE_LIBRARY=lib))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == lib


def test_system_loader():
    libdir = os.path.dirname(os.environ["POLYSCORE_LIBRARY"])
    r = run(dict(base_env(), LD_LIBRARY_PATH=libdir))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "libpolyscore.so.1"


def test_beside_the_package(tmp_path):
    """A wheel can ship libpolyscore.so.1 inside the package directory."""
    pkg = tmp_path / "polyscore"
    shutil.copytree(os.path.dirname(polyscore.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "libpolyscore.so*"))
    shutil.copy(os.environ["POLYSCORE_LIBRARY"], pkg / "libpolyscore.so.1")
    r = run(dict(base_env(), PYTHONPATH=str(tmp_path)), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == str(pkg / "libpolyscore.so.1")


def test_not_found_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-c",
                        "import polyscore\n"
                        "try:\n    polyscore.Model.load('x.json')\n"
                        "except polyscore.LibraryNotFoundError as e:\n    print(e)\n"],
                       env=dict(base_env(), POLYSCORE_LIBRARY=str(tmp_path / "nope.so")),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "cannot load libpolyscore" in r.stdout and "nope.so" in r.stdout
