"""polyscore beside XGBoost's and LightGBM's own predict, in one run (driven by run.sh).

polyscore is measured through its C API by ps_bench (a C++ client of the public header),
kept running as a subprocess; the peers are measured here, in Python. Every measurement
is repeated REPS times, and the implementations are interleaved within each repetition
(polyscore, then the peers, order rotated every repetition), so that the noise of a
shared machine falls on all of them alike. Ratios are taken per repetition
(polyscore time / peer time, measured seconds apart) and their median is reported.

    python bench.py --models DIR --ps-bench PATH --lib PATH --out DIR [--quick]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REL_TOL = 1e-6


# ---------------------------------------------------------------- helpers
def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "n": len(xs)}


def vm_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return -1.0


class PsBench:
    """The ps_bench subprocess: one command line in, one JSON line out."""

    def __init__(self, exe, env):
        self.p = subprocess.Popen([exe, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1, env=env)
        self.hello = self._read()

    def _read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("ps_bench exited")
        r = json.loads(line)
        if "error" in r:
            raise RuntimeError("ps_bench: " + r["error"])
        return r

    def __call__(self, *words):
        self.p.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.p.stdin.flush()
        return self._read()

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(timeout=30)


def time_loop(fn, X, n, min_s):
    """(wall s, process CPU s) per call of fn(X[off:off+n]), offsets rolling as in ps_bench,
    >= min_s of wall time in all."""
    span = X.shape[0] - n
    off = 0
    calls = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    while True:
        fn(X[off:off + n])
        calls += 1
        off = 0 if span == 0 else (off + n * 7919) % span
        el = time.perf_counter() - t0
        if el >= min_s:
            return el / calls, (time.process_time() - c0) / calls


def ps_batch(ps, *words):
    r = ps("batch", *words)
    return r["ns_per_call"] * 1e-9, r["cpu_ns_per_call"] * 1e-9


def max_rel_diff(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return float("inf")
    den = np.maximum(np.abs(b), 1e-30)
    return float(np.max(np.abs(a - b) / den))


# ---------------------------------------------------------------- peers
def load_peer(kind, path):
    if kind == "xgboost":
        import xgboost as xgb
        return xgb.Booster(model_file=path)
    import lightgbm as lgb
    return lgb.Booster(model_file=path)


def peer_predict_fn(kind, booster, threads):
    if kind == "xgboost":
        booster.set_param({"nthread": threads})
        return lambda X: booster.inplace_predict(X)
    return lambda X: booster.predict(X, num_threads=threads)


def rss_child(kind, path):
    """Run in a fresh process: RSS deltas of loading one model, then the same file again,
    the library already imported (the second delta is the steady per-model cost)."""
    if kind == "polyscore-py":
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
        import polyscore
        polyscore.library_version()
        load = polyscore.Model.load
    else:
        if kind == "xgboost":
            import xgboost  # noqa: F401
        else:
            import lightgbm  # noqa: F401
        load = lambda p: load_peer(kind, p)  # noqa: E731
    import ctypes
    trim = ctypes.CDLL("libc.so.6").malloc_trim  # freed parser memory back to the OS
    trim(0)
    before = vm_rss_kib()
    a = load(path)
    trim(0)
    after = vm_rss_kib()
    b = load(path)
    trim(0)
    after2 = vm_rss_kib()
    print(json.dumps({"rss_delta_kib": after - before, "rss_second_delta_kib": after2 - after}))
    del a, b


# ---------------------------------------------------------------- the run
def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import lightgbm
    import xgboost
    return {
        "cpu": cpu, "cores": os.cpu_count(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kernel": platform.release(), "python": platform.python_version(),
        "numpy": np.__version__, "xgboost": xgboost.__version__, "lightgbm": lightgbm.__version__,
        "loadavg_start": os.getloadavg(),
        "source": os.environ.get("POLYSCORE_BENCH_SOURCE", "unknown"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--ps-bench", required=True)
    ap.add_argument("--lib", required=True, help="libpolyscore.so.1 for the Python binding")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rss-child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        kind, path = args.rss_child
        rss_child(kind, path)
        return 0

    quick = args.quick
    reps = 3 if quick else 5
    min_s = 0.08 if quick else 0.25          # minimum time of one sample
    row_calls_c = 5000 if quick else 20000   # single-row calls per sample, C
    row_calls_py = 1000 if quick else 4000   # single-row calls per sample, Python
    load_reps = 3 if quick else 7
    batches = [1, 16, 256, 10000] if quick else [1, 16, 256, 10000, 100000]

    env = dict(os.environ)
    env["POLYSCORE_LIBRARY"] = args.lib
    os.environ["POLYSCORE_LIBRARY"] = args.lib
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
    try:
        import polyscore
        polyscore.library_version()
        have_py = True
    except Exception as e:  # the binding is optional
        log(f"polyscore Python binding not usable ({e}); skipping it")
        have_py = False

    info = machine_info()
    meta = json.load(open(os.path.join(args.models, "meta.json")))
    X64 = np.load(os.path.join(args.models, "X64.npy"))
    X32 = np.load(os.path.join(args.models, "X32.npy"))
    batches = [b for b in batches if b <= X64.shape[0]]
    ps = PsBench(args.ps_bench, env)
    info["polyscore"] = ps.hello["version"]
    ps("data", 64, os.path.join(args.models, "X64.npy"))
    ps("data", 32, os.path.join(args.models, "X32.npy"))
    res = {"machine": info, "meta": meta, "quick": quick, "reps": reps, "models": {}}

    models = [("xgboost", "xgb.json", 1), ("lightgbm", "lgb.txt", 2)]
    for kind, fname, mid in models:
        path = os.path.join(args.models, fname)
        mi = ps("model", mid, path)
        ntrees = mi["num_trees"]
        peer = load_peer(kind, path)
        pym = polyscore.Model.load(path) if have_py else None
        R = res["models"][kind] = {"file": fname, "trees": ntrees, "batch": [], "row": {},
                                   "load": {}, "rss": {}, "check": {}}
        log(f"== {kind}: {fname}, {ntrees} trees")

        # -- correctness guard, on all bench rows
        nchk = X64.shape[0]
        for dt, X in ((64, X64), (32, X32)):
            out = os.path.join(args.out, f"_chk_{kind}_{dt}.bin")
            ps("predict", mid, dt, nchk, out)
            mine = np.fromfile(out, dtype=np.float64)
            os.remove(out)
            ref = peer_predict_fn(kind, peer, 2)(X)
            d = max_rel_diff(mine, ref)
            R["check"][f"dense_f{dt}"] = d
            log(f"  check dense float{dt}: max rel diff vs {kind} = {d:.3g} over {nchk} rows")
        nrow = min(nchk, 20000)
        out = os.path.join(args.out, f"_chk_{kind}_row.bin")
        ps("rowpredict", mid, 64, nrow, out)
        mine = np.fromfile(out, dtype=np.float64)
        os.remove(out)
        d = max_rel_diff(mine, peer_predict_fn(kind, peer, 2)(X64[:nrow]))
        R["check"]["row_f64"] = d
        log(f"  check predict_row float64: max rel diff = {d:.3g} over {nrow} rows")
        if have_py:
            d = max_rel_diff(pym.predict(X64, num_threads=2), peer_predict_fn(kind, peer, 2)(X64))
            R["check"]["python_f64"] = d
            log(f"  check Python binding float64: max rel diff = {d:.3g}")

        # -- batch throughput
        for n in batches:
            for threads in ([1, 2] if n >= 10000 else [1]):
                impls = {
                    "ps_c_f64": lambda: ps_batch(ps, mid, 64, n, threads, min_s * 1e3),
                    "ps_c_f32": lambda: ps_batch(ps, mid, 32, n, threads, min_s * 1e3),
                }
                if have_py and n < 100000:  # at 100k rows it is the C figure plus a copy-free call
                    impls["ps_py_f64"] = lambda: time_loop(
                        lambda X: pym.predict(X, num_threads=threads), X64, n, min_s)
                pf = peer_predict_fn(kind, peer, threads)
                impls["peer_f64"] = lambda: time_loop(pf, X64, n, min_s)
                impls["peer_f32"] = lambda: time_loop(pf, X32, n, min_s)
                names = list(impls)
                # warm-up, untimed
                pf(X64[:n]), pf(X32[:n])
                if "ps_py_f64" in impls:
                    pym.predict(X64[:n], num_threads=threads)
                samples = {k: [] for k in names}
                cpu = {k: [] for k in names}
                for r in range(reps):
                    order = names[r % len(names):] + names[:r % len(names)]
                    for k in order:
                        w, c = impls[k]()
                        samples[k].append(w)
                        cpu[k].append(c)
                    log(f"  batch n={n:<6} threads={threads} rep {r + 1}/{reps}: " + "  ".join(
                        f"{k}={samples[k][-1] / (n * ntrees) * 1e9:.2f}" for k in names)
                        + " ns/tree/row")
                entry = {"rows": n, "threads": threads, "s_per_call": {k: stats(v) for k, v in samples.items()},
                         "cpu_s_per_call": {k: stats(v) for k, v in cpu.items()},
                         "ratio": {}, "cpu_ratio": {}}
                for k in names:
                    if not k.startswith("ps_"):
                        continue
                    peer_k = "peer_f32" if k.endswith("f32") else "peer_f64"
                    entry["ratio"][k] = stats([a / b for a, b in zip(samples[k], samples[peer_k])])
                    entry["cpu_ratio"][k] = stats([a / b for a, b in zip(cpu[k], cpu[peer_k])])
                R["batch"].append(entry)

        # -- single-row latency
        rows = {"ps_c": [], "peer_py": []}
        if have_py:
            rows["ps_py"] = []
        pf = peer_predict_fn(kind, peer, 1)

        def py_lat(fn):
            lat = np.empty(row_calls_py)
            for i in range(min(row_calls_py, 200)):
                fn(X64[i:i + 1])
            for i in range(row_calls_py):
                j = (i * 7919) % X64.shape[0]
                x = X64[j:j + 1]
                t0 = time.perf_counter_ns()
                fn(x)
                lat[i] = time.perf_counter_ns() - t0
            return {"p50_ns": float(np.percentile(lat, 50)), "p99_ns": float(np.percentile(lat, 99))}

        for r in range(reps):
            rows["ps_c"].append(ps("row", mid, 64, row_calls_c))
            rows["peer_py"].append(py_lat(pf))
            if have_py:
                rows["ps_py"].append(py_lat(lambda X: pym.predict(X)))
            log(f"  single row rep {r + 1}/{reps}: " + "  ".join(
                f"{k} p50={v[-1]['p50_ns'] / 1e3:.2f}us p99={v[-1]['p99_ns'] / 1e3:.2f}us"
                for k, v in rows.items()))
        R["row"] = {k: {"p50_ns": stats([x["p50_ns"] for x in v]),
                        "p99_ns": stats([x["p99_ns"] for x in v])} for k, v in rows.items()}
        R["row"]["ratio_p50_c_vs_peer"] = stats([a["p50_ns"] / b["p50_ns"] for a, b in zip(rows["ps_c"], rows["peer_py"])])
        R["row"]["ratio_p99_c_vs_peer"] = stats([a["p99_ns"] / b["p99_ns"] for a, b in zip(rows["ps_c"], rows["peer_py"])])
        if have_py:
            R["row"]["ratio_p50_py_vs_peer"] = stats([a["p50_ns"] / b["p50_ns"] for a, b in zip(rows["ps_py"], rows["peer_py"])])
        row_calls = {"ps_c": row_calls_c, "peer_py": row_calls_py, "ps_py": row_calls_py}
        R["row_calls"] = {k: row_calls[k] for k in rows}

        # -- load time (interleaved, one load each per repetition)
        files = [fname] + (["xgb.ubj"] if kind == "xgboost" else [])
        for f in files:
            p = os.path.join(args.models, f)
            ps_t, peer_t = [], []
            for r in range(load_reps):
                ps_t.append(ps("load", p, 1)["load_ms"][0])
                t0 = time.perf_counter()
                b = load_peer(kind, p)
                peer_t.append((time.perf_counter() - t0) * 1e3)
                del b
            R["load"][f] = {"ps_ms": stats(ps_t), "peer_ms": stats(peer_t),
                            "ratio": stats([a / b for a, b in zip(ps_t, peer_t)])}
            log(f"  load {f}: polyscore {statistics.median(ps_t):.1f} ms, {kind} "
                f"{statistics.median(peer_t):.1f} ms (median of {load_reps})")

        # -- resident memory of a loaded model, fresh processes
        R["rss"] = {}
        for f in files:
            p = os.path.join(args.models, f)
            rss = {"ps_c": [], "peer": []}
            if have_py:
                rss["ps_py"] = []
            for r in range(3):
                out = subprocess.run([args.ps_bench, "rss", p], capture_output=True, text=True, env=env, check=True)
                rss["ps_c"].append(json.loads(out.stdout))
                for k, child in (("peer", kind), ("ps_py", "polyscore-py")):
                    if k not in rss:
                        continue
                    out = subprocess.run([sys.executable, __file__, "--models", "-", "--ps-bench", "-", "--lib",
                                          args.lib, "--out", "-", "--rss-child", child, p],
                                         capture_output=True, text=True, env=env, check=True)
                    rss[k].append(json.loads(out.stdout.strip().splitlines()[-1]))
            R["rss"][f] = {k: {"first": stats([x["rss_delta_kib"] for x in v]),
                               "second": stats([x["rss_second_delta_kib"] for x in v])}
                           for k, v in rss.items()}
            q = R["rss"][f]
            log(f"  RSS {f}: polyscore {q['ps_c']['first']['median'] / 1024:.1f} MiB first load, "
                f"{q['ps_c']['second']['median'] / 1024:.1f} MiB second; {kind} "
                f"{q['peer']['first']['median'] / 1024:.1f} / {q['peer']['second']['median'] / 1024:.1f} MiB")
        if pym is not None:
            pym.close()
        del peer

    ps.close()
    info["loadavg_end"] = os.getloadavg()
    ok = all(v <= REL_TOL for m in res["models"].values() for v in m["check"].values())
    res["correct"] = ok
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    import report
    report.write(res, args.out)
    log(f"wrote {os.path.join(args.out, 'results.md')}")
    if not ok:
        log(f"CORRECTNESS GUARD FAILED: a max relative diff exceeds {REL_TOL}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
