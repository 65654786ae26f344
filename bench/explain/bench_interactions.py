"""SHAP interaction values: what they cost beside contributions, in polyscore and in
XGBoost, on the 500-tree XGBoost bench model (bench/make_models.py: binary, depth 8,
50 features), 1 thread.

Every repetition times, on the same rows and in rotated order (interleaved, so the
machine's noise falls on all alike): polyscore output="contrib", polyscore
output="interactions", XGBoost pred_contribs and XGBoost pred_interactions. CPU time of
the process per row (time.process_time; one thread each). Reported: median and min..max
per tool over repetitions; interactions / contributions within each library and
polyscore / XGBoost for interactions (medians of per-repetition ratios). Before timing,
polyscore's interaction values are checked bit for bit against XGBoost's.

    bench/explain/run_interactions.sh [--rows 20] [--repeats 5]
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

import polyscore  # noqa: E402
import xgboost as xgb  # noqa: E402


def cpu():
    """The CPU model and its vector flags (as bench_explain.py records them)."""
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    flags = [f for f in info.get("flags", "").split() if f.startswith(("sse", "avx", "fma"))]
    return {"model": info.get("model name", "?"), "vector_flags": flags, "cores": os.cpu_count()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results-interactions.json"))
    a = ap.parse_args()
    path = os.path.join(a.models, "xgb.json")
    X = np.load(os.path.join(a.models, "X64.npy"))[: a.rows]
    ps = polyscore.Model.load(path)
    bst = xgb.Booster(model_file=path)
    bst.set_param({"nthread": 1})
    tools = {
        "polyscore contrib": lambda: ps.predict(X, output="contrib"),
        "polyscore interactions": lambda: ps.predict(X, output="interactions"),
        "xgboost contrib": lambda: bst.predict(xgb.DMatrix(X, nthread=1), pred_contribs=True),
        "xgboost interactions": lambda: bst.predict(xgb.DMatrix(X, nthread=1), pred_interactions=True),
    }
    ours, theirs = tools["polyscore interactions"](), tools["xgboost interactions"]()
    assert ours.shape == theirs.shape and np.array_equal(ours, theirs.astype(np.float64)), "values differ"
    times = {name: [] for name in tools}
    names = list(tools)
    for r in range(a.repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            start = time.process_time()
            tools[name]()
            times[name].append((time.process_time() - start) / a.rows * 1e6)

    def ratio(x, y):
        return statistics.median(p / q for p, q in zip(times[x], times[y]))

    result = {
        "cpu": cpu(), "rows": a.rows, "repeats": a.repeats, "features": int(X.shape[1]),
        "load": os.getloadavg(), "xgboost": xgb.__version__,
        "us_per_row": {n: {"median": statistics.median(t), "min": min(t), "max": max(t)} for n, t in times.items()},
        "polyscore interactions / contrib": ratio("polyscore interactions", "polyscore contrib"),
        "xgboost interactions / contrib": ratio("xgboost interactions", "xgboost contrib"),
        "interactions polyscore / xgboost": ratio("polyscore interactions", "xgboost interactions"),
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
