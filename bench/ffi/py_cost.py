"""bench/ffi/py_cost.py: fixed cost of one single-row call from Python.
    python py_cost.py MODEL LIBEMPTY CALLS REPS
binding: polyscore.Model.predict_row(row) (bindings/python, ctypes) on MODEL (one tree);
bare:    psffi_empty from LIBEMPTY through ctypes, declared (argtypes) and called with the
         same seven arguments the binding passes to ps_model_predict_row (addresses taken
         once outside the loop), a CDLL function: the GIL released, as ctypes does unless
         told otherwise (the binding keeps it on models of at most 100 trees, this one).
Interleaved per repeat; prints one JSON line: wall clock and this thread's CPU time."""
import ctypes
import json
import os
import sys
import time

import numpy as np

# the binding of the source under test (PSFFI_SRC, set by run.sh), else of this work tree
SRC = os.environ.get("PSFFI_SRC") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(SRC, "bindings", "python", "src"))
import polyscore  # noqa: E402

model, libempty, calls, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
m = polyscore.Model.load(model)
nf = m.info.num_features
row = np.zeros(nf)
lib = ctypes.CDLL(libempty)
fn = lib.psffi_empty
fn.restype = ctypes.c_int32
fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
               ctypes.c_void_p, ctypes.c_void_p]
out = np.empty(1)
err = ctypes.c_void_p()


def bind():
    pr = m.predict_row
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        pr(row)
    return (time.perf_counter_ns() - t0) / calls, (time.thread_time_ns() - c0) / calls


def bare():
    # the bare ctypes call: seven arguments (addresses taken once, outside the loop)
    po, pr_ = out.ctypes.data, row.ctypes.data
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        fn(po, 1, None, pr_, nf, None, err)
    return (time.perf_counter_ns() - t0) / calls, (time.thread_time_ns() - c0) / calls


bind(), bare()
b, e = [], []
for _ in range(reps):
    b.append(bind())
    e.append(bare())
print(json.dumps({"binding_ns": [x[0] for x in b], "bare_ns": [x[0] for x in e],
                  "binding_cpu_ns": [x[1] for x in b], "bare_cpu_ns": [x[1] for x in e]}))
