"""How much of lleaves' one-row time is its Python predict(): predict(X[i:i+1], n_jobs=1)
against a direct ctypes call of its compiled entry point on pointers made beforehand
(the native code alone), p50 wall ns of 5,000 calls, rows of X rolling, 3 repeats.
Takes the default compile bench/peers.py cached (MODELS/peers/NAME.lleaves.o).

    python bench/experiments/lleaves_row.py --models bench/models lgb_cat
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # bench/peers.py


def p50(fn, items, calls):
    for i in range(500):
        fn(items[i % len(items)])
    lat = []
    for i in range(calls):
        a = items[i % len(items)]
        t0 = time.perf_counter_ns()
        fn(a)
        lat.append(time.perf_counter_ns() - t0)
    return statistics.median(lat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="bench/models")
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("name", help="lgb, lgb_reg or lgb_cat")
    args = ap.parse_args()
    import lleaves
    import peers
    from lleaves.data_processing import ndarray_to_ptr
    fname, matrix = {m[0]: (m[1], m[3]) for m in peers.MODELS}[args.name]
    found = dict(peers.compiled(args.models, args.name, fname, "lleaves"))
    if "" not in found:
        raise SystemExit(f"no lleaves compile of {fname}: run python bench/peers.py {args.models} first")
    m = lleaves.Model(model_file=os.path.join(args.models, fname))
    m.compile(cache=found[""]["artifact"])
    X = np.load(os.path.join(args.models, matrix + "64.npy"))
    rows = [X[(i * 7919) % X.shape[0]:(i * 7919) % X.shape[0] + 1] for i in range(256)]
    out = np.zeros(1)
    ptrs = [ndarray_to_ptr(r, use_fp64=True) for r in rows]  # rows of X are C-contiguous float64
    out_ptr = ndarray_to_ptr(out, use_fp64=True)
    entry = m._c_entry_func  # lleaves' own ctypes handle on forest_root(data, out, start, end)
    for rep in range(3):
        a = p50(lambda r: m.predict(r, n_jobs=1), rows, args.calls)
        b = p50(lambda p: entry(p, out_ptr, 0, 1), ptrs, args.calls)
        print(f"{args.name} rep {rep + 1}: predict(X[i:i+1]) p50 {a / 1e3:.1f} us; "
              f"compiled entry point called directly p50 {b / 1e3:.1f} us", flush=True)


if __name__ == "__main__":
    main()
