"""polyscore's batch walk per instruction set beside XGBoost's and LightGBM's own predict,
interleaved in one run (1 thread, process CPU time per call).

Three ps_bench processes on the same library: the default (AVX-512 where the CPU has it),
POLYSCORE_NO_AVX512=1 (AVX2) and POLYSCORE_NO_AVX2=1 (scalar); each repeat measures
every one of them and the peers once per batch size, in rotated order. The peers: the
training library's own predict and, for a LightGBM model, lleaves on every compile of it
that `bench/peers.py` cached (the default one, and any made with `peers.py MODELS
--lleaves NAME fblocksize=.. fcodemodel=.. finline=..`). Prints per model and batch size
the median (min-max) ns per tree per row of each, and the ratios peer / polyscore per
repeat, median (min-max). Also one row through ps_model_predict_row.

    python bench/experiments/walk_isa.py --ps-bench build/ps_bench --models bench/models \
        [--only xgb,lgb] [--rows 256,10000] [--reps 7]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # bench/peers.py

MODELS = {  # name: (file, test matrix prefix, library)
    "xgb": ("xgb.json", "X", "xgboost"),
    "lgb": ("lgb.txt", "X", "lightgbm"),
    "lgb_reg": ("lgb_reg.txt", "X", "lightgbm"),
    "xgb_multi": ("xgb_multi.json", "X", "xgboost"),
    "lgb_cat": ("lgb_cat.txt", "Xcat", "lightgbm"),
    "xgb_cat": ("xgb_cat.json", "Xcat", "xgboost"),
}
VARIANTS = {"avx512": {}, "avx2": {"POLYSCORE_NO_AVX512": "1"}, "scalar": {"POLYSCORE_NO_AVX2": "1"}}


class PsBench:
    def __init__(self, path, env):
        self.p = subprocess.Popen([path, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, **env})
        self.read()

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.read()

    def read(self):
        out = json.loads(self.p.stdout.readline())
        if "error" in out:
            raise SystemExit(out["error"])
        return out


def peer_predict(lib, path):
    if lib == "xgboost":
        import xgboost as xgb
        b = xgb.Booster(model_file=path)
        b.set_param({"nthread": 1})
        return lambda X: b.inplace_predict(X)
    import lightgbm as lgb
    b = lgb.Booster(model_file=path)
    return lambda X: b.predict(X, num_threads=1)


def lleaves_predicts(models, name, file):
    """lleaves on every compile of this model that bench/peers.py cached before
    (MODELS/peers/NAME.lleaves*.o: `python bench/peers.py MODELS`, and its --lleaves for
    other compile options), 1 thread: {label: predict}, none compiles here."""
    import peers
    import lleaves
    out = {}
    for label, rec in peers.compiled(models, name, file, "lleaves"):
        m = lleaves.Model(model_file=os.path.join(models, file))
        # the cached object is loaded as is; the code model is the one it was compiled with
        m.compile(cache=rec["artifact"], fcodemodel=rec.get("options", {}).get("fcodemodel", "large"))
        out["lleaves" + label] = lambda X, m=m: m.predict(X, n_jobs=1)
    return out


def time_peer(fn, X, n, min_s):
    calls, off, span = 0, 0, X.shape[0] - n
    c0, t0 = time.process_time(), time.perf_counter()
    while True:
        fn(X[off:off + n])
        calls += 1
        off = (off + n * 7919) % span if span else 0
        if time.perf_counter() - t0 >= min_s:
            break
    return (time.process_time() - c0) * 1e9 / calls


def med(v):
    return f"{statistics.median(v):.3g} ({min(v):.3g}-{max(v):.3g})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ps-bench", required=True)
    ap.add_argument("--models", default="bench/models")
    ap.add_argument("--only", default="xgb,lgb")
    ap.add_argument("--rows", default="256,10000")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--min-ms", type=float, default=300)
    ap.add_argument("--no-lleaves", dest="lleaves", action="store_false",
                    help="leave out lleaves (on by default where bench/peers.py compiled it)")
    args = ap.parse_args()
    procs = {v: PsBench(args.ps_bench, env) for v, env in VARIANTS.items()}
    flags = [l for l in open("/proc/cpuinfo") if l.startswith("flags")][0].split()
    simd = [f for f in flags if f.startswith(("avx", "sse4", "fma", "bmi"))]
    cpu = [l for l in open("/proc/cpuinfo") if l.startswith("model name")][0].split(":", 1)[1].strip()
    print(f"CPU: {cpu}; SIMD flags: {' '.join(simd)}; {platform.node()}; load before: {os.getloadavg()}")
    for mi, name in enumerate(args.only.split(",")):
        file, prefix, lib = MODELS[name]
        path = os.path.join(args.models, file)
        X = np.load(os.path.join(args.models, prefix + "64.npy"))
        info = None
        for p in procs.values():
            p.ask(f"data {mi} {os.path.join(args.models, prefix + '64.npy')}")
            info = p.ask(f"model {mi} {path}")
        trees = info["num_trees"]
        peers = {lib: peer_predict(lib, path)}
        if lib == "lightgbm" and args.lleaves:
            peers.update(lleaves_predicts(args.models, name, file))
        for n in [int(r) for r in args.rows.split(",")]:
            order = list(VARIANTS) + list(peers)
            ns = {w: [] for w in order}
            ratio = {(p, v): [] for p in peers for v in VARIANTS}
            for rep in range(args.reps):
                got = {}
                for who in order[rep % len(order):] + order[:rep % len(order)]:
                    if who in peers:
                        got[who] = time_peer(peers[who], X, n, args.min_ms / 1e3)
                    else:
                        got[who] = procs[who].ask(f"batch {mi} {mi} {n} 1 {args.min_ms}")["cpu_ns_per_call"]
                for who, v in got.items():
                    ns[who].append(v / n / trees)
                for p, v in ratio:
                    ratio[(p, v)].append(got[p] / got[v])
            print(f"{name} ({trees} trees) {n} rows, ns/tree/row (CPU): " +
                  "; ".join(f"{w} {med(ns[w])}" for w in ns))
            for p in peers:
                print(f"    {p} / polyscore (x faster): " + "; ".join(f"{v} {med(ratio[(p, v)])}" for v in VARIANTS))
        rows = {v: [] for v in VARIANTS}
        for rep in range(args.reps):
            for v in VARIANTS:
                rows[v].append(procs[v].ask(f"row {mi} {mi} 20000")["p50_ns"])
        print(f"{name} one row ps_model_predict_row p50 ns: " + "; ".join(f"{v} {med(rows[v])}" for v in VARIANTS))
    print(f"load after: {os.getloadavg()}")
    for p in procs.values():
        p.ask("quit") if False else p.p.stdin.write("quit\n")


if __name__ == "__main__":
    main()
