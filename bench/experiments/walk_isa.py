"""polyscore's batch walk per instruction set beside XGBoost's and LightGBM's own predict,
interleaved in one run (1 thread, process CPU time per call).

Three ps_bench processes on the same library: the default (AVX-512 where the CPU has it),
POLYSCORE_NO_AVX512=1 (AVX2) and both that and POLYSCORE_NO_AVX2=1 (scalar); each repeat measures
every one of them and the peers once per batch size, in rotated order. The peers: the
training library's own predict and, for a LightGBM model, lleaves on every compile of it
that `bench/peers.py` cached (the default one, and any made with `peers.py MODELS
--lleaves NAME fblocksize=.. fcodemodel=.. finline=..`). Prints per model the largest
difference of each to the training library on 10,000 rows, per batch size the median
(min-max) ns per tree per row of each, and the ratios peer / polyscore per repeat, median
(min-max). Also one row through ps_model_predict_row from C, and with --lib one row from
Python: polyscore's Model.predict_row beside the peers' predict of a one-row slice.

    python bench/experiments/walk_isa.py --ps-bench build/ps_bench --models bench/models \
        [--only xgb,lgb] [--rows 256,10000] [--reps 7] [--lib build/libpolyscore.so.1]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
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
# scalar sets both: the bitvector walk (src/predict/bitvector_tables.cc) keeps AVX-512
# under POLYSCORE_NO_AVX2 alone
VARIANTS = {"avx512": {}, "avx2": {"POLYSCORE_NO_AVX512": "1"},
            "scalar": {"POLYSCORE_NO_AVX512": "1", "POLYSCORE_NO_AVX2": "1"}}


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


def check(procs, peers, lib, mi, X, n=10000):
    """Prints the largest difference to the training library's own predict on the first
    n rows, of every polyscore variant and every other peer (lleaves)."""
    ref = np.asarray(peers[lib](X[:n]), dtype=np.float64).reshape(n, -1)
    diffs = {}
    with tempfile.TemporaryDirectory() as d:
        for v, p in procs.items():
            out = os.path.join(d, v)
            p.ask(f"predict {mi} {mi} {n} {out}")
            diffs[v] = np.fromfile(out, dtype=np.float64).reshape(n, -1)
    for who, fn in peers.items():
        if who != lib:
            diffs[who] = np.asarray(fn(X[:n]), dtype=np.float64).reshape(n, -1)
    print(f"    max |difference| to {lib} on {n} rows: "
          + "; ".join(f"{who} {np.max(np.abs(y - ref)):.3g}" for who, y in diffs.items()))


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


ROW_PICKS = [(i * 7919) % 100000 for i in range(256)]  # rows of X scored one at a time, in turn


def row_p50(fn, rows, calls):
    """Median wall time in ns of fn(row) over `calls` calls, rows taken in turn, after a warm-up."""
    for i in range(min(calls, 500)):
        fn(rows[i % len(rows)])
    lat = []
    for i in range(calls):
        r = rows[i % len(rows)]
        t0 = time.perf_counter_ns()
        fn(r)
        lat.append(time.perf_counter_ns() - t0)
    return statistics.median(lat)


class PyRow(PsBench):
    """polyscore's Python binding, Model.predict_row, in a process of its own (its
    environment picks the instruction set): walk_isa.py --py-row-child."""

    def __init__(self, lib, env):
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python", "src")
        self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--py-row-child"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, **env, "POLYSCORE_LIBRARY": lib, "PYTHONPATH": src})
        self.read()


def py_row_child():
    import polyscore
    models, rows = {}, {}
    print(json.dumps({"ready": polyscore.library_path()}), flush=True)
    for line in sys.stdin:
        cmd, mid, *rest = line.split()
        if cmd == "model":
            models[mid] = polyscore.Model.load(rest[0])
            X = np.load(rest[1])
            rows[mid] = [np.ascontiguousarray(X[i]) for i in ROW_PICKS]
            print(json.dumps({"num_features": models[mid].num_features}), flush=True)
        elif cmd == "row":
            m = models[mid]
            print(json.dumps({"p50_ns": row_p50(m.predict_row, rows[mid], int(rest[0]))}), flush=True)


def med(v):
    return f"{statistics.median(v):.3g} ({min(v):.3g}-{max(v):.3g})"


def py_rows(args, py, peers, lib, mi, path, X, xpath, name):
    """One row from Python, the like-for-like with lleaves and the training library:
    polyscore's Model.predict_row(X[i]) against predict(X[i:i+1]) (n_jobs=1 / num_threads=1),
    p50 wall ns per call, every one once per repeat in rotated order, ratios per repeat."""
    for p in py.values():
        p.ask(f"model {mi} {path} {xpath}")
    slices = [X[i:i + 1] for i in ROW_PICKS]
    order = [f"py_{v}" for v in VARIANTS] + list(peers)
    p50 = {w: [] for w in order}
    for rep in range(args.reps):
        for who in order[rep % len(order):] + order[:rep % len(order)]:
            if who in peers:
                p50[who].append(row_p50(peers[who], slices, args.row_calls))
            else:
                p50[who].append(py[who[3:]].ask(f"row {mi} {args.row_calls}")["p50_ns"])
    print(f"{name} one row from Python, p50 ns (wall): " + "; ".join(f"{w} {med(p50[w])}" for w in order))
    for p in peers:
        print(f"    {p} / polyscore predict_row (x faster): " + "; ".join(
            f"{v} {med([a / b for a, b in zip(p50[p], p50['py_' + v])])}" for v in VARIANTS))


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
    ap.add_argument("--lib", help="libpolyscore.so.1: also one row from Python (polyscore's binding "
                    "beside lleaves' and the training library's predict of one row)")
    ap.add_argument("--row-calls", type=int, default=5000, help="calls per repeat of one row from Python")
    args = ap.parse_args()
    procs = {v: PsBench(args.ps_bench, env) for v, env in VARIANTS.items()}
    py = {v: PyRow(os.path.abspath(args.lib), env) for v, env in VARIANTS.items()} if args.lib else {}
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
        check(procs, peers, lib, mi, X)
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
        if args.lib:
            py_rows(args, py, peers, lib, mi, path, X, os.path.join(args.models, prefix + "64.npy"), name)
    print(f"load after: {os.getloadavg()}")
    for p in procs.values():
        p.p.stdin.write("quit\n")
        p.p.stdin.flush()
    for p in py.values():
        p.p.stdin.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--py-row-child"]:
        py_row_child()
    else:
        main()
