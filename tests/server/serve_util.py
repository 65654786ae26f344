"""Starting real polyscore-serve processes for the tests, and the clients' stubs.

The gRPC stubs are generated from proto/ by tests/server/test.sh into $SERVE_GEN_DIR
(default build/tests-server-gen) as the Python package "wire" (wire.polyscore.v1, ...),
so they never meet the Python binding's package "polyscore". Modules that use the Open
Inference Protocol stubs import them themselves (`from wire.inference import ...`):
tritonclient brings its own copy of the protobuf package `inference`, so
test_triton_client.py runs in a process of its own. The C results come from the Python
binding, loaded from the source tree as polyscore_c.
"""
import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("POLYSCORE_BUILD_DIR", ROOT / "build"))
SERVER = BUILD_DIR / "polyscore-serve"
CLI = BUILD_DIR / "polyscore"
VECTORS = ROOT / "tests" / "vectors"
EXAMPLE_MODELS = ROOT / "examples" / "models"
FRAUD_MODEL = ROOT / "examples" / "fraud" / "fraud-v3.json"
GEN_DIR = pathlib.Path(os.environ.get("SERVE_GEN_DIR", BUILD_DIR / "tests-server-gen"))

sys.path.insert(0, str(GEN_DIR))
from wire.fraud.v1 import fraud_pb2, fraud_pb2_grpc  # noqa: E402,F401
from wire.polyscore.v1 import scoring_pb2, scoring_pb2_grpc  # noqa: E402,F401

os.environ.setdefault("POLYSCORE_LIBRARY", str(BUILD_DIR / "libpolyscore.so.1"))
_binding_dir = ROOT / "bindings" / "python" / "src" / "polyscore"
_spec = importlib.util.spec_from_file_location(
    "polyscore_c", _binding_dir / "__init__.py", submodule_search_locations=[str(_binding_dir)])
polyscore_c = importlib.util.module_from_spec(_spec)
sys.modules["polyscore_c"] = polyscore_c
_spec.loader.exec_module(polyscore_c)

with open(VECTORS / "manifest.json") as f:
    CASES = json.load(f)["cases"]


class Server:
    """One polyscore-serve process; its log is a file so a full pipe never blocks it."""

    def __init__(self, models_dir, tmp_path, *args, grpc_unix=None, command=None):
        self.log_path = pathlib.Path(tmp_path) / ("serve-%d.log" % time.monotonic_ns())
        self.grpc_unix = grpc_unix
        argv = list(command or [str(SERVER)]) + [
            "--models", str(models_dir), "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"]
        if grpc_unix:
            argv += ["--grpc-unix", str(grpc_unix)]
        argv += [str(a) for a in args]
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        self.http_port = self.grpc_port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for entry in self.log_entries():
                if entry.get("msg") == "serving":
                    self.http_port, self.grpc_port = entry["http_port"], entry["grpc_port"]
                    self.url = "http://127.0.0.1:%d" % self.http_port
                    self.grpc_target = "127.0.0.1:%d" % self.grpc_port
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("polyscore-serve exited %s:\n%s" % (self.proc.returncode, self.log_text()))
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("polyscore-serve did not start:\n" + self.log_text())

    def log_text(self):
        return self.log_path.read_text()

    def log_entries(self):
        entries = []
        for line in self.log_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass  # a line being written
        return entries

    def signal(self, signum):
        self.proc.send_signal(signum)

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (0 for a clean drain)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def same_bits(a, b):
    """True if two float64 arrays are equal bit for bit (any NaN matches any NaN)."""
    a = np.ascontiguousarray(a, dtype=np.float64).ravel()
    b = np.ascontiguousarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return False
    nan = np.isnan(a)
    if not np.array_equal(nan, np.isnan(b)):
        return False
    return np.array_equal(a[~nan].view(np.uint64), b[~nan].view(np.uint64))


def exact_floats(values):
    """A JSON answer's numbers as float64, null (a NaN or infinity JSON cannot hold) as NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def vector_repository(path):
    """A repository with every vector model as DIR/<stem>/1/model.<ext> (symlinks)."""
    names = {}
    for case in CASES:
        source = VECTORS / case["model"]
        name = source.stem
        if name not in names:
            target = path / name / "1"
            target.mkdir(parents=True)
            (target / ("model" + source.suffix)).symlink_to(source)
            names[name] = source
    return path


def case_inputs(case):
    dtype = np.float32 if case["dtype"] == "float32" else np.float64
    X = np.loadtxt(VECTORS / case["input"], delimiter=",", dtype=dtype, ndmin=2)
    return X.reshape(-1, case["num_features"])


def json_numbers(X):
    """Row-major values for a JSON body: the exact decimal of each value; NaN as null."""
    return [None if np.isnan(v) else float(v) for v in X.ravel()]
