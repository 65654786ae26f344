"""SHAP contributions: polyscore beside XGBoost's and LightGBM's own contribution calls
and shap's TreeExplainer, 1 thread, on the bench models (bench/make_models.py).

Every repetition times each tool once on the same rows, the tools' order rotated each
time (interleaved, so the machine's noise falls on all of them alike); reported per tool:
median time per row and the spread (min..max over repetitions), and polyscore's ratio to
each peer (median of the per-repetition ratios). Before timing, each peer's values are
compared with polyscore's (they must agree: XGBoost/LightGBM bit for bit, shap to 1e-6).

    bench/explain/run.sh [--trees 500] [--batch 1000 10000] [--threads 1] [--repeats 7] [--out F]
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

import lightgbm as lgb  # noqa: E402
import polyscore  # noqa: E402
import shap  # noqa: E402
import xgboost as xgb  # noqa: E402


def tools_for(kind, path, threads):
    """name -> function(X) returning the contributions as (rows, features + 1), each tool
    on `threads` threads (shap's TreeExplainer has no thread option: OMP_NUM_THREADS)."""
    ps = polyscore.Model.load(path)
    if kind == "xgboost":
        bst = xgb.Booster(model_file=path)
        bst.set_param({"nthread": threads})
        explainer = shap.TreeExplainer(bst)
        return {
            "polyscore": lambda X: ps.predict(X, output="contrib", num_threads=threads),
            "xgboost": lambda X: bst.predict(xgb.DMatrix(X, nthread=threads), pred_contribs=True),
            "shap": lambda X: np.column_stack(
                [explainer.shap_values(X, check_additivity=False),
                 np.full(len(X), explainer.expected_value)]),
        }
    bst = lgb.Booster(model_file=path)
    explainer = shap.TreeExplainer(bst)
    return {
        "polyscore": lambda X: ps.predict(X, output="contrib", num_threads=threads),
        "lightgbm": lambda X: bst.predict(X, pred_contrib=True, num_threads=threads),
        "shap": lambda X: np.column_stack(
            [explainer.shap_values(X, check_additivity=False), np.full(len(X), explainer.expected_value)]),
    }


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
    """Seconds per call: repeats the call until min_seconds have passed."""
    n, start = 0, time.perf_counter()
    while True:
        fn(X)
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    ap.add_argument("--batch", type=int, nargs="+", default=[1000])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    a = ap.parse_args()
    X = np.load(os.path.join(a.models, "X64.npy"))
    results = {}
    for kind, file in (("xgboost", "xgb.json"), ("lightgbm", "lgb.txt")):
        tools = tools_for(kind, os.path.join(a.models, file), a.threads)
        cases = [("one row", X[:1])] + [("batch of %d" % b, X[:b]) for b in a.batch]
        for label, rows in cases:
            ref = np.asarray(tools["polyscore"](rows)).reshape(len(rows), -1)
            for name, fn in tools.items():
                got = np.asarray(fn(rows), dtype=np.float64).reshape(len(rows), -1)
                tol = 1e-6 if name == "shap" else 0.0
                if not np.allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max()):
                    sys.exit("%s %s: %s disagrees with polyscore by %g" % (kind, label, name,
                                                                          np.abs(got - ref).max()))
            per_row = {name: [] for name in tools}
            names = list(tools)
            for r in range(a.repeats):
                order = names[r % len(names):] + names[: r % len(names)]
                for name in order:
                    per_row[name].append(time_call(tools[name], rows) / len(rows))
            key = "%s, %s, %d thread%s" % (kind, label, a.threads, "" if a.threads == 1 else "s")
            results[key] = {}
            for name in names:
                ratios = [p / q for p, q in zip(per_row["polyscore"], per_row[name])]
                results[key][name] = {
                    "median_us_per_row": statistics.median(per_row[name]) * 1e6,
                    "min_us": min(per_row[name]) * 1e6, "max_us": max(per_row[name]) * 1e6,
                    "polyscore_time_ratio": statistics.median(ratios),
                }
            print(key)
            for name in names:
                s = results[key][name]
                print("  %-10s %10.1f us/row  (%.1f..%.1f)  polyscore/this %.2f" % (
                    name, s["median_us_per_row"], s["min_us"], s["max_us"], s["polyscore_time_ratio"]))
    with open(a.out, "w") as f:
        json.dump({"versions": {"xgboost": xgb.__version__, "lightgbm": lgb.__version__,
                                "shap": shap.__version__, "polyscore": polyscore.library_version()},
                   "cpu": cpu(), "threads": a.threads, "repeats": a.repeats, "results": results}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
