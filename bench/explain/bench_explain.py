"""SHAP contributions: polyscore beside XGBoost's and LightGBM's own contribution calls,
shap's TreeExplainer and fasttreeshap's (algorithms v1 and v2), on the bench models
(bench/make_models.py).

"polyscore (lanes)" is the same library with POLYSCORE_CONTRIB_LANES set: batches then
take the walk in lanes of 8 rows that main had before the grouped walk (the same code),
so before and after are timed interleaved in one process. A single row takes the same
one-row walk in both. "polyscore (one row scalar)", timed on one row only, sets
POLYSCORE_CONTRIB_ONE_ROW_SCALAR: the one-row walk with one unwound sum at a time, as
before the sums in vector lanes.

Every repetition times each tool once on the same rows, the tools' order rotated each
time (interleaved, so the machine's noise falls on all of them alike); reported per tool:
median time per row and the spread (min..max over repetitions), the median CPU time of
the process per row (all its threads), and polyscore's ratio to
each peer (median of the per-repetition ratios). Before timing, each peer's values are
compared with polyscore's (they must agree: XGBoost/LightGBM bit for bit, shap to 1e-6).

    bench/explain/run.sh [--trees 500] [--batch 1000 10000] [--threads 1] [--repeats 7] [--out F]
    bench/explain/run.sh --batch            # one row only
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))

import fasttreeshap_fixed as fasttreeshap  # noqa: E402
import lightgbm as lgb  # noqa: E402
import polyscore  # noqa: E402
import shap  # noqa: E402
import xgboost as xgb  # noqa: E402


def with_env(name, fn):
    """fn with the environment variable `name` set for the call (the library reads
    POLYSCORE_CONTRIB_LANES and POLYSCORE_CONTRIB_ONE_ROW_SCALAR per call)."""
    def call(X):
        os.environ[name] = "1"
        try:
            return fn(X)
        finally:
            del os.environ[name]
    return call


# Timed on one row only: the one-row walk with one unwound sum at a time, as before the
# sums in vector lanes (src/explain/one_row_sums.h); batches do not take that walk.
ONE_ROW_SCALAR = "polyscore (one row scalar)"


def explainer_tool(explainer):
    """(rows, features + 1) from a shap-style explainer: its values, then the bias."""
    def call(X):
        values = explainer.shap_values(X, check_additivity=False)
        return np.column_stack([values, np.full(len(X), explainer.expected_value)])
    return call


def tools_for(kind, path, threads):
    """name -> function(X) returning the contributions as (rows, features + 1), each tool
    on `threads` threads (shap's TreeExplainer has no thread option: OMP_NUM_THREADS;
    fasttreeshap's n_jobs)."""
    ps = polyscore.Model.load(path)
    polyscore_call = lambda X: ps.predict(X, output="contrib", num_threads=threads)  # noqa: E731
    tools = {"polyscore": polyscore_call,
             "polyscore (lanes)": with_env("POLYSCORE_CONTRIB_LANES", polyscore_call),
             ONE_ROW_SCALAR: with_env("POLYSCORE_CONTRIB_ONE_ROW_SCALAR", polyscore_call)}
    if kind == "xgboost":
        bst = xgb.Booster(model_file=path)
        bst.set_param({"nthread": threads})
        tools["xgboost"] = lambda X: bst.predict(xgb.DMatrix(X, nthread=threads), pred_contribs=True)
    else:
        bst = lgb.Booster(model_file=path)
        tools["lightgbm"] = lambda X: bst.predict(X, pred_contrib=True, num_threads=threads)
    tools["shap"] = explainer_tool(shap.TreeExplainer(bst))
    for algorithm in ("v1", "v2"):
        tools["fasttreeshap " + algorithm] = explainer_tool(
            fasttreeshap.TreeExplainer(bst, algorithm=algorithm, n_jobs=threads))
    return tools


def is_peer(name):
    return not name.startswith("polyscore")


def cpu():
    """The CPU model and its vector flags, recorded beside the figures."""
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    flags = [f for f in info.get("flags", "").split() if f.startswith(("sse", "avx", "fma"))]
    return {"model": info.get("model name", "?"), "vector_flags": flags, "cores": os.cpu_count()}


def time_call(fn, X, min_seconds=0.2):
    """(wall seconds, process CPU seconds) per call: repeats the call until min_seconds
    have passed. CPU time counts every thread of the process."""
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        fn(X)
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n, (time.process_time() - cpu_start) / n


def write(path, a, results, load_at_start):
    with open(path, "w") as f:
        json.dump({"versions": {"xgboost": xgb.__version__, "lightgbm": lgb.__version__,
                                "shap": shap.__version__, "fasttreeshap": fasttreeshap.__version__,
                                "polyscore": polyscore.library_version()},
                   "cpu": cpu(), "load_average": [os.getloadavg(), load_at_start],
                   "threads": a.threads, "repeats": a.repeats, "skipped": a.skip, "results": results}, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    ap.add_argument("--batch", type=int, nargs="*", default=[1000], help="batch sizes (none: one row only)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--skip", nargs="*", default=[], help="tools not to run (names as printed)")
    a = ap.parse_args()
    load_at_start = os.getloadavg()
    X = np.load(os.path.join(a.models, "X64.npy"))
    results = {}
    for kind, file in (("xgboost", "xgb.json"), ("lightgbm", "lgb.txt")):
        tools = tools_for(kind, os.path.join(a.models, file), a.threads)
        all_tools = {name: fn for name, fn in tools.items() if name not in a.skip}
        cases = [("one row", X[:1])] + [("batch of %d" % b, X[:b]) for b in a.batch]
        for label, rows in cases:
            tools = {name: fn for name, fn in all_tools.items() if name != ONE_ROW_SCALAR or len(rows) == 1}
            ref = np.asarray(tools["polyscore"](rows)).reshape(len(rows), -1)
            difference = {}
            for name, fn in tools.items():
                got = np.asarray(fn(rows), dtype=np.float64).reshape(len(rows), -1)
                difference[name] = float(np.abs(got - ref).max())
                approximate = name.startswith(("shap", "fasttreeshap"))
                tol = 1e-6 if approximate else 0.0
                if not np.allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max()):
                    # The libraries (and polyscore's two walks) must agree to the bit; a
                    # shap-family tool that does not is timed all the same and flagged.
                    if not approximate:
                        sys.exit("%s %s: %s disagrees with polyscore by %g" % (kind, label, name,
                                                                              difference[name]))
                    print("%s %s: %s disagrees with polyscore by %g (flagged)" % (kind, label, name,
                                                                                 difference[name]))
            per_row = {name: [] for name in tools}
            cpu_per_row = {name: [] for name in tools}
            names = list(tools)
            for r in range(a.repeats):
                order = names[r % len(names):] + names[: r % len(names)]
                for name in order:
                    wall, cpu_seconds = time_call(tools[name], rows)
                    per_row[name].append(wall / len(rows))
                    cpu_per_row[name].append(cpu_seconds / len(rows))
            key = "%s, %s, %d thread%s" % (kind, label, a.threads, "" if a.threads == 1 else "s")
            results[key] = {}
            for name in names:
                ratios = [p / q for p, q in zip(per_row["polyscore"], per_row[name])]
                results[key][name] = {
                    "median_us_per_row": statistics.median(per_row[name]) * 1e6,
                    "min_us": min(per_row[name]) * 1e6, "max_us": max(per_row[name]) * 1e6,
                    "median_cpu_us_per_row": statistics.median(cpu_per_row[name]) * 1e6,
                    "polyscore_time_ratio": statistics.median(ratios),
                    "max_abs_difference": difference[name],
                }
            print(key)
            # The fastest peer whose values agree with the libraries'.
            peers = [n for n in names if is_peer(n) and difference[n] <= 1e-6 * max(1.0, np.abs(ref).max())]
            fastest = min(peers, key=lambda n: results[key][n]["median_us_per_row"])
            results[key]["fastest peer"] = fastest
            for name in names:
                s = results[key][name]
                print("  %-26s %10.1f us/row  (%.1f..%.1f)  cpu %10.1f us/row  polyscore/this %.2f" % (
                    name, s["median_us_per_row"], s["min_us"], s["max_us"], s["median_cpu_us_per_row"],
                    s["polyscore_time_ratio"]))
            write(a.out, a, results, load_at_start)  # after every case: a cut-short run keeps its figures


if __name__ == "__main__":
    main()
