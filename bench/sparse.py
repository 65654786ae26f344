"""Sparse high-dimensional input: polyscore beside XGBoost's and LightGBM's own predict
on the same scipy CSR matrix, 1 thread.

Hashed features as in click and text models: a binary model of each library over
FEATURES declared features (2^20 by default), trained on rows of about NNZ stored
entries, then scored on ROWS rows of exactly NNZ entries. Each repetition times every
implementation once on the whole matrix (one call each, order rotated), so the noise of
a shared machine falls on all alike; ratios are per repetition, median and range
reported, of process CPU time (steady on a busy shared machine; all run on 1 thread)
and of wall time. polyscore is called through its Python binding (bindings/python), which hands
the CSR arrays to ps_model_predict_csr without a copy. Also recorded: the CPU model and
its flags, resident memory after load and after the first predict of each model.

    python bench/sparse.py --lib build/libpolyscore.so.1 [--lib-before OLD.so.1]
        [--features N] [--trees 100] [--rows 2000] [--nnz 30] [--reps 7] [--out DIR]

Run it with bench/.venv (bench/run.sh makes it). --lib-before adds a library built
from an earlier commit (e.g. by `bench/run.sh --rev REV`), timed in the same rounds.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOKENS = 200_000


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "n": len(xs)}


def cpu_info():
    model, flags = "unknown", []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    simd = [f for f in flags if f.startswith(("avx", "sse4", "bmi", "fma"))]
    return model, simd


def hashed_rows(rng, slots, n, nnz, nf, exact):
    """n rows of nnz distinct Zipf-distributed tokens (exactly nnz when `exact`)."""
    indptr, indices, values = [0], [], []
    for _ in range(n):
        k = nnz if exact else int(rng.integers(nnz // 2, nnz * 3 // 2 + 1))
        tokens = set()
        while len(tokens) < k:
            tokens.update(np.minimum(rng.zipf(1.2, size=k) - 1, TOKENS - 1).tolist())
        tokens = sorted(tokens)[:k]
        indices.extend(slots[tokens].tolist())
        values.extend(np.round(rng.exponential(1.0, size=k) + 0.05, 2).tolist())
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(values), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                         shape=(n, nf))


def make_data(nf, rows, nnz, train_rows, seed=20261204):
    rng = np.random.default_rng(seed)
    slots = np.sort(rng.choice(nf, size=TOKENS, replace=False))
    Xtr = hashed_rows(rng, slots, train_rows, nnz, nf, exact=False)
    w = np.zeros(nf)
    informative = slots[:2000]
    w[informative] = rng.normal(0.0, 1.0, size=len(informative))
    s = Xtr @ w + rng.normal(0.0, 0.5, size=train_rows)
    y = (s > np.median(s)).astype(float)
    X = hashed_rows(rng, slots, rows, nnz, nf, exact=True)
    return Xtr, y, X


def train(Xtr, y, trees, out_dir):
    import lightgbm as lgb
    import xgboost as xgb
    paths = {}
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "nthread": 2, "seed": 1,
                     "tree_method": "hist", "verbosity": 0}, xgb.DMatrix(Xtr, label=y, missing=np.nan),
                    num_boost_round=trees)
    paths["xgboost"] = os.path.join(out_dir, "sparse_xgb.json")
    bst.save_model(paths["xgboost"])
    bst = lgb.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20,
                     "num_threads": 2, "seed": 1, "verbosity": -1}, lgb.Dataset(Xtr, label=y),
                    num_boost_round=trees)
    paths["lightgbm"] = os.path.join(out_dir, "sparse_lgb.txt")
    bst.save_model(paths["lightgbm"])
    return paths


def polyscore_module(lib):
    """The Python binding, loading the library at `lib` (one library per process)."""
    os.environ["POLYSCORE_LIBRARY"] = lib
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
    import polyscore
    return polyscore


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return -1.0


def child(args):
    """In a fresh process: one implementation's RSS after load and after the first
    predict, then the timed calls, told by the parent when to run each (so the rounds of
    all implementations interleave)."""
    kind, path, X = args.child_kind, args.child_model, sp.load_npz(args.child_data).tocsr()
    import ctypes
    trim = ctypes.CDLL("libc.so.6").malloc_trim
    if kind.startswith("polyscore"):
        ps = polyscore_module(args.child_lib)
        trim(0)
        before = rss_kib()
        model = ps.Model.load(path)
        predict = lambda: model.predict(X, output="margin", num_threads=1)  # noqa: E731
    elif kind == "xgboost-dmatrix" or kind == "xgboost-inplace":
        import xgboost as xgb
        trim(0)
        before = rss_kib()
        bst = xgb.Booster(model_file=path)
        bst.set_param({"nthread": 1})
        if kind == "xgboost-inplace":
            predict = lambda: bst.inplace_predict(X, predict_type="margin")  # noqa: E731
        else:
            predict = lambda: bst.predict(xgb.DMatrix(X, missing=np.nan, nthread=1), output_margin=True)  # noqa: E731
    else:
        import lightgbm as lgb
        trim(0)
        before = rss_kib()
        bst = lgb.Booster(model_file=path)
        predict = lambda: bst.predict(X, raw_score=True, num_threads=1)  # noqa: E731
    trim(0)
    after_load = rss_kib()
    margins = np.asarray(predict(), dtype=np.float64).ravel()
    after_predict = rss_kib()
    np.save(args.child_out, margins)
    print(json.dumps({"rss_load_kib": after_load - before, "rss_predict_kib": after_predict - before}), flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        c0, t0 = time.process_time(), time.perf_counter()
        predict()
        print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}), flush=True)


class Child:
    def __init__(self, kind, model, data, lib, out):
        cmd = [sys.executable, __file__, "--child-kind", kind, "--child-model", model, "--child-data", data,
               "--child-out", out, "--lib", lib or "-"]
        if lib:
            cmd += ["--child-lib", lib]
        env = dict(os.environ, OMP_NUM_THREADS="1")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                                  env=env)
        self.first = json.loads(self.p.stdout.readline())
        self.out = out

    def call(self):
        self.p.stdin.write("go\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--lib-before", default=None)
    ap.add_argument("--features", type=int, default=2**20)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--nnz", type=int, default=30)
    ap.add_argument("--train-rows", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--before-reps", type=int, default=2, help="the old library can take many seconds a call")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "sparse"))
    ap.add_argument("--child-kind")
    ap.add_argument("--child-model")
    ap.add_argument("--child-data")
    ap.add_argument("--child-out")
    ap.add_argument("--child-lib")
    args = ap.parse_args()
    if args.child_kind:
        return child(args)

    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="ps-sparse-")
    log(f"training on {args.train_rows} rows over {args.features} features, {args.trees} trees each")
    Xtr, y, X = make_data(args.features, args.rows, args.nnz, args.train_rows)
    paths = train(Xtr, y, args.trees, work)
    data = os.path.join(work, "X.npz")
    sp.save_npz(data, X)

    impls = []  # (label, library, kind, model, lib)
    for library in ("xgboost", "lightgbm"):
        peers = ["xgboost-dmatrix", "xgboost-inplace"] if library == "xgboost" else ["lightgbm"]
        for kind in peers:
            impls.append((kind, library, kind, paths[library], None))
        impls.append((f"polyscore ({library})", library, "polyscore", paths[library], os.path.abspath(args.lib)))
        if args.lib_before:
            impls.append((f"polyscore before ({library})", library, "polyscore", paths[library],
                          os.path.abspath(args.lib_before)))
    children = {}
    for label, library, kind, model, lib in impls:
        log(f"starting {label}")
        children[label] = Child(kind, model, data, lib, os.path.join(work, f"{len(children)}.npy"))
    # Every implementation's margins against the training library's.
    agree = {}
    for label, library, kind, model, lib in impls:
        ref = np.load(children["xgboost-dmatrix" if library == "xgboost" else "lightgbm"].out)
        got = np.load(children[label].out)
        agree[label] = float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-30)))
    times = {label: [] for label, *_ in impls}  # wall seconds
    cpu = {label: [] for label, *_ in impls}
    for rep in range(args.reps):
        order = impls[rep % len(impls):] + impls[:rep % len(impls)]
        timed = []
        for label, *_ in order:
            if "before" in label and rep >= args.before_reps:
                continue
            timed.append(label)
            r = children[label].call()
            times[label].append(r["wall"])
            cpu[label].append(r["cpu"])
        log(f"repetition {rep + 1}/{args.reps}: " +
            ", ".join(f"{k} {cpu[k][-1] * 1e3:.1f} ms" for k in timed) + " (CPU)")
    for c in children.values():
        c.close()

    model, simd = cpu_info()
    result = {
        "cpu": model, "cpu_simd_flags": simd, "cores": os.cpu_count(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kernel": platform.release(), "loadavg_end": os.getloadavg(),
        "avx512_off": bool(os.environ.get("POLYSCORE_NO_AVX512")),
        "features": args.features, "trees": args.trees, "rows": args.rows, "nnz_per_row": args.nnz,
        "threads": 1, "lib": os.path.abspath(args.lib), "lib_before": args.lib_before,
        "cpu_seconds_per_call": {k: stats(v) for k, v in cpu.items() if v},
        "wall_seconds_per_call": {k: stats(v) for k, v in times.items() if v},
        "rss_kib": {k: children[k].first for k in times},
        "max_rel_diff_vs_library": agree,
    }
    ratios = {}
    for label, library, kind, *_ in impls:
        if kind != "polyscore":
            continue
        for peer in (["xgboost-dmatrix", "xgboost-inplace"] if library == "xgboost" else ["lightgbm"]):
            n = min(len(cpu[label]), len(cpu[peer]))
            ratios[f"{label} / {peer}"] = {
                "cpu": stats([cpu[label][i] / cpu[peer][i] for i in range(n)]),
                "wall": stats([times[label][i] / times[peer][i] for i in range(n)])}
    result["ratios"] = ratios
    with open(os.path.join(args.out, "sparse.json"), "w") as f:
        json.dump(result, f, indent=1)
    lines = [f"# Sparse input: {args.rows} CSR rows x {args.nnz} stored entries, {args.features:,} declared "
             f"features, {args.trees} trees, 1 thread",
             "", f"CPU: {model}; SIMD flags: {' '.join(simd)}; "
             f"POLYSCORE_NO_AVX512={'1' if result['avx512_off'] else 'unset'}; {result['date']}", "",
             f"load average at the end: {' '.join(f'{x:.1f}' for x in result['loadavg_end'])}", "",
             "| implementation | CPU ms per call: median | min | max | wall ms: median | n | "
             "RSS after load / first predict (MiB) | max rel diff of margins |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for k, s in result["cpu_seconds_per_call"].items():
        r, w = result["rss_kib"][k], result["wall_seconds_per_call"][k]
        lines.append(f"| {k} | {s['median'] * 1e3:.2f} | {s['min'] * 1e3:.2f} | {s['max'] * 1e3:.2f} | "
                     f"{w['median'] * 1e3:.2f} | {s['n']} | "
                     f"{r['rss_load_kib'] / 1024:.1f} / {r['rss_predict_kib'] / 1024:.1f} | {agree[k]:.1e} |")
    lines += ["", "| ratio, per repetition | CPU: median | min | max | wall: median |", "|---|---:|---:|---:|---:|"]
    for k, s in ratios.items():
        c, w = s["cpu"], s["wall"]
        lines.append(f"| {k} | {c['median']:.4f} | {c['min']:.4f} | {c['max']:.4f} | {w['median']:.4f} |")
    with open(os.path.join(args.out, "sparse.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
