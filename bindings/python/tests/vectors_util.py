"""Helpers for the binding tests: where the repository, the vectors, the library and the CLI are."""
import json
import os
import pathlib
import subprocess

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = ROOT / "tests" / "vectors"
BUILD_DIR = pathlib.Path(os.environ.get("POLYSCORE_BUILD_DIR", ROOT / "build"))
CLI = BUILD_DIR / "polyscore"
FRAUD_MODEL = ROOT / "examples" / "fraud" / "fraud-v3.json"

# Tests run against the library in the build directory unless told otherwise.
if not os.environ.get("POLYSCORE_LIBRARY") and (BUILD_DIR / "libpolyscore.so.1").exists():
    os.environ["POLYSCORE_LIBRARY"] = str(BUILD_DIR / "libpolyscore.so.1")

with open(VECTORS / "manifest.json") as f:
    CASES = json.load(f)["cases"]
CASES_BY_NAME = {c["name"]: c for c in CASES}


def read_csv(path, dtype=np.float64):
    """A vector CSV (no header, `nan` for missing) as a 2-D array. float32 files hold
    exact float32 values, so parsing as float64 and casting is exact."""
    return np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2).astype(dtype)


def case_input(case):
    return read_csv(VECTORS / case["input"], np.float32 if case["dtype"] == "float32" else np.float64)


def case_expected(case, output):
    return read_csv(VECTORS / case["outputs"][output]["file"])


def cli_predict(model, input_csv, output="value", extra=()):
    """The C library's own answer through the CLI, parsed back to doubles (exact:
    the CLI prints shortest round-trip text)."""
    proc = subprocess.run([str(CLI), "predict", str(model), "--input", str(input_csv),
                           "--output", output, *extra],
                          capture_output=True, text=True, check=True)
    return np.array([[float(v) for v in line.split(",")] for line in proc.stdout.splitlines()])


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


