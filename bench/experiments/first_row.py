"""The one-time cost of a model's first single row (tables left to it, as
PreparedModel::single_row_bitvector and single_row_linked do) or, with --rows N, of its
first batch (PreparedModel::batch_bitvector): each variant's library in fresh processes,
interleaved; each times ps_model_load_file, then ps_model_predict_row on the data's row 0
(or ps_model_predict_dense on its rows [0, N), 1 thread) twice, CPU time of the thread
(the first call builds what was left to it, the second is an ordinary call; what the
load builds instead shows in its time). Prints per variant the median (min-max) over the
processes, ms.

    python3 bench/experiments/first_row.py --model DIR/lgb_cat.txt --data DIR/Xcat64.npy \
        --procs 3 --variant old=build-old --variant new=build-new[:POLYSCORE_NO_AVX512=1] [--rows 1000]
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

from batch_ab import parse_variant


class PredictOptions(ctypes.Structure):
    """ps_predict_options (include/polyscore/predict.h); ps_predict_options_init fills it (1 thread)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("output", ctypes.c_int32), ("iteration_begin", ctypes.c_uint32),
                ("iteration_end", ctypes.c_uint32), ("num_threads", ctypes.c_int32),
                ("base_margin", ctypes.c_void_p), ("base_margin_len", ctypes.c_size_t),
                ("shap_algorithm", ctypes.c_int32), ("reserved1", ctypes.c_int32)]


def child(libdir, model_path, data_path, rows):
    """In this fresh process: load, then two timed calls (a single row, or a batch of
    `rows` rows); prints them as JSON (ns)."""
    import numpy as np
    lib = ctypes.CDLL(os.path.join(libdir, "libpolyscore.so.1"))
    data = np.ascontiguousarray(np.load(data_path)[:rows], dtype=np.float64)
    row = data[0]
    err = ctypes.c_void_p()
    if lib.ps_error_create(ctypes.byref(err)) != 0:
        raise SystemExit("ps_error_create failed")
    model = ctypes.c_void_p()
    start = time.thread_time_ns()
    if lib.ps_model_load_file(ctypes.byref(model), model_path.encode(), None, err) != 0:
        raise SystemExit("load failed")
    load_ns = time.thread_time_ns() - start
    out = (ctypes.c_double * (64 * rows))()
    opts = PredictOptions()
    if lib.ps_predict_options_init(ctypes.byref(opts), ctypes.c_size_t(ctypes.sizeof(opts))) != 0:
        raise SystemExit("ps_predict_options_init failed")
    times = []
    for _ in range(2):
        start = time.thread_time_ns()
        if rows == 1:
            status = lib.ps_model_predict_row(out, ctypes.c_size_t(64), model, row.ctypes.data_as(ctypes.c_void_p),
                                              ctypes.c_size_t(row.size), None, err)
        else:
            status = lib.ps_model_predict_dense(out, ctypes.c_size_t(64 * rows), model,
                                                data.ctypes.data_as(ctypes.c_void_p), 1, ctypes.c_size_t(rows),
                                                ctypes.c_size_t(data.shape[1]), ctypes.byref(opts), err)
        times.append(time.thread_time_ns() - start)
        if status != 0:
            raise SystemExit("predict failed")
    print(json.dumps({"load_ns": load_ns, "first_ns": times[0], "second_ns": times[1], "value": out[0]}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--data")
    ap.add_argument("--procs", type=int, default=3)
    ap.add_argument("--variant", action="append", help="NAME=DIR[:VAR=VALUE,...]")
    ap.add_argument("--rows", type=int, default=1, help="1: single rows; more: batches of that many rows")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        libdir, model_path, data_path, rows = args.child
        child(libdir, model_path, data_path, int(rows))
        return
    variants = [parse_variant(v) for v in args.variant]
    got = {name: [] for name, _, _ in variants}
    for _ in range(args.procs):
        for name, libdir, env in variants:
            out = subprocess.run([sys.executable, __file__, "--child", libdir, args.model, args.data, str(args.rows)],
                                 capture_output=True, text=True, env=env, check=True).stdout
            got[name].append(json.loads(out.strip().splitlines()[-1]))
    values = {name: g[0]["value"] for name, g in got.items()}
    if len(set(values.values())) != 1:
        raise SystemExit(f"the variants score row 0 differently: {values}")
    for name, g in got.items():
        line = []
        for key in ("load_ns", "first_ns", "second_ns"):
            ms = sorted(x[key] / 1e6 for x in g)
            line.append(f"{key[:-3]} {statistics.median(ms):.3f} ({ms[0]:.3f}-{ms[-1]:.3f}) ms")
        print(f"{name}: " + ", ".join(line) + f" ({len(g)} processes, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
