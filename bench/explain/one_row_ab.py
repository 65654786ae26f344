#!/usr/bin/env python3
"""One row's SHAP contributions (ps_model_predict_row, PS_OUTPUT_CONTRIB, exact TreeSHAP,
one thread): the CPU time per row of two builds of libpolyscore, interleaved in one
process, and a check that they give the same bits.

    python3 bench/explain/one_row_ab.py --a OLD/libpolyscore.so.1 --b NEW/libpolyscore.so.1 \
        --models bench/explain/models --repeats 7 --rows 30

Each library file is loaded as its own copy (ctypes, RTLD_LOCAL; give two different
files). Per repeat and model, A and B each explain the same `--rows` rows (the first rows
of X64.npy), in alternating order; reported per model: the median CPU time per row of
each (min..max over repeats) and the median of the per-repeat ratios B / A.
"""
import argparse
import ctypes
import os
import statistics
import time

import numpy as np

PS_OUTPUT_CONTRIB = 3
PS_SHAP_TREESHAP = 1


class Options(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("output", ctypes.c_int), ("iteration_begin", ctypes.c_uint32),
                ("iteration_end", ctypes.c_uint32), ("num_threads", ctypes.c_int32),
                ("base_margin", ctypes.POINTER(ctypes.c_double)), ("base_margin_len", ctypes.c_size_t),
                ("shap_algorithm", ctypes.c_int), ("reserved1", ctypes.c_int32)]


class Library:
    def __init__(self, path):
        self.lib = ctypes.CDLL(os.path.abspath(path), mode=ctypes.RTLD_LOCAL)
        self.lib.ps_predict_options_init.argtypes = [ctypes.POINTER(Options), ctypes.c_size_t]
        self.lib.ps_model_load_file.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_void_p,
                                                ctypes.c_void_p]
        self.lib.ps_model_predict_row.argtypes = [ctypes.POINTER(ctypes.c_double), ctypes.c_size_t, ctypes.c_void_p,
                                                  ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                                                  ctypes.POINTER(Options), ctypes.c_void_p]
        self.opts = Options()
        self.lib.ps_predict_options_init(ctypes.byref(self.opts), ctypes.sizeof(Options))
        self.opts.output = PS_OUTPUT_CONTRIB
        self.opts.shap_algorithm = PS_SHAP_TREESHAP
        self.opts.num_threads = 1

    def load(self, path):
        model = ctypes.c_void_p()
        if self.lib.ps_model_load_file(ctypes.byref(model), path.encode(), None, None) != 0:
            raise SystemExit(f"cannot load {path}")
        return model

    def explain(self, model, rows, out):
        """CPU time (s) of this thread for one ps_model_predict_row per row."""
        n = rows.shape[1]
        start = time.thread_time()
        for r in range(rows.shape[0]):
            status = self.lib.ps_model_predict_row(out[r].ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                                   out.shape[1], model,
                                                   rows[r].ctypes.data_as(ctypes.POINTER(ctypes.c_double)), n,
                                                   ctypes.byref(self.opts), None)
            if status != 0:
                raise SystemExit(f"predict failed: {status}")
        return time.thread_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the reference library (e.g. main's)")
    parser.add_argument("--b", required=True, help="the library compared with it")
    parser.add_argument("--models", required=True, help="directory with xgb.json, lgb.txt, X64.npy")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=30)
    args = parser.parse_args()
    if os.path.realpath(args.a) == os.path.realpath(args.b):
        raise SystemExit("--a and --b must be two files (each is loaded as its own copy)")
    libs = [Library(args.a), Library(args.b)]
    X = np.ascontiguousarray(np.load(os.path.join(args.models, "X64.npy"))[:args.rows], dtype=np.float64)
    print(f"load average at start: {os.getloadavg()}")
    for name in ("xgb.json", "lgb.txt"):
        path = os.path.join(args.models, name)
        models = [lib.load(path) for lib in libs]
        outs = [np.zeros((X.shape[0], X.shape[1] + 1)) for _ in libs]
        for lib, model, out in zip(libs, models, outs):  # warm up, and the bits
            lib.explain(model, X[:2], out[:2])
        times = [[], []]
        for rep in range(args.repeats):
            order = (0, 1) if rep % 2 == 0 else (1, 0)
            for k in order:
                times[k].append(libs[k].explain(models[k], X, outs[k]) / X.shape[0])
        if outs[0].tobytes() != outs[1].tobytes():
            raise SystemExit(f"{name}: A and B differ, largest {np.abs(outs[0] - outs[1]).max()}")
        ratios = [b / a for a, b in zip(times[0], times[1])]
        for label, t in zip(("A", "B"), times):
            print(f"{name} {label}: {statistics.median(t) * 1e6:,.0f} us/row CPU "
                  f"({min(t) * 1e6:,.0f}..{max(t) * 1e6:,.0f})")
        print(f"{name} B/A: median {statistics.median(ratios):.3f} ({min(ratios):.3f}..{max(ratios):.3f}), "
              f"{args.repeats} repeats x {X.shape[0]} rows, same bits")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
