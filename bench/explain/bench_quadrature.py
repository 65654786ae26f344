"""QuadratureTreeSHAP (XGBoost 3.3+'s SHAP): polyscore beside xgboost's own
pred_contribs, in one process, on the bench XGBoost model (bench/make_models.py).

The model file is re-saved by the xgboost imported here (3.4.1), so polyscore explains it
with the quadrature (files of XGBoost 3.3+); "polyscore exact" is the same trees as the
original file (written by xgboost 3.2), which polyscore explains by exact TreeSHAP.
Before timing, polyscore's quadrature values must equal xgboost's bit for bit (the run
stops otherwise). Timing: CPU time of the process per row (all threads; the median wall
time beside it), each repetition
times every tool once on the same rows, the order rotated (interleaved); reported: median
and min..max over repetitions, polyscore's ratio to xgboost (median of per-repetition
ratios), the load average at start and end and the CPU.

    POLYSCORE_LIBRARY=build/libpolyscore.so.1 OMP_NUM_THREADS=1 \\
      <venv with xgboost 3.4.1>/bin/python bench/explain/bench_quadrature.py \\
      --model MODELS/xgb.json --rows MODELS/X32.npy --batch 1 1000 --interactions 16 --repeats 5

(MODELS: the output folder of bench/make_models.py.)
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bindings", "python", "src"))
import polyscore  # noqa: E402


def per_call(fn, X, min_seconds):
    """(CPU seconds of the process, all threads; wall seconds) per call."""
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        fn(X)
        n += 1
        wall = time.perf_counter() - start
        if wall >= min_seconds:
            return (time.process_time() - cpu_start) / n, wall / n


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 1000])
    ap.add_argument("--interactions", type=int, nargs="*", default=[],
                    help="batch sizes for interaction values (pred_interactions); none by default")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-seconds", type=float, default=0.3)
    ap.add_argument("--out")
    a = ap.parse_args()
    load_start = os.getloadavg()
    X_all = np.load(a.rows)
    bst = xgb.Booster(model_file=a.model)
    bst.set_param({"nthread": a.threads})
    with tempfile.TemporaryDirectory() as tmp:
        resaved = os.path.join(tmp, "model.json")
        bst.save_model(resaved)
        quadrature = polyscore.Model.load(resaved)
    exact = polyscore.Model.load(a.model)
    xgb_name = "xgboost " + xgb.__version__
    contrib_tools = {
        "polyscore": lambda X: quadrature.predict(X, output="contrib", num_threads=a.threads),
        "polyscore exact": lambda X: exact.predict(X, output="contrib", num_threads=a.threads),
        xgb_name: lambda X: bst.predict(xgb.DMatrix(X, nthread=a.threads), pred_contribs=True),
    }
    # (Exact TreeSHAP's interaction values take 2F + 3 walks per row: left out.)
    interaction_tools = {
        "polyscore": lambda X: quadrature.predict(X, output="interactions", num_threads=a.threads),
        xgb_name: lambda X: bst.predict(xgb.DMatrix(X, nthread=a.threads), pred_interactions=True),
    }
    results = []
    runs = [("contrib", n, contrib_tools) for n in a.batch] + \
        [("interactions", n, interaction_tools) for n in a.interactions]
    for output, n, tools in runs:
        X = np.ascontiguousarray(X_all[:n])
        ours = np.asarray(tools["polyscore"](X), dtype=np.float64).reshape(n, -1)
        theirs = np.asarray(tools[xgb_name](X), dtype=np.float64).reshape(n, -1)
        if not np.array_equal(ours, theirs):
            sys.exit(f"{output}, batch {n}: polyscore differs from {xgb_name} by up to {np.abs(ours - theirs).max()}")
        times = {name: [] for name in tools}
        walls = {name: [] for name in tools}
        names = list(tools)
        for rep in range(a.repeats):
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                cpu_s, wall_s = per_call(tools[name], X, a.min_seconds)
                times[name].append(cpu_s / n)
                walls[name].append(wall_s / n)
        row = {"output": output, "rows": n, "threads": a.threads, "us_per_row": {}, "ratio_to_xgboost": {}, "wall_us_per_row": {}}
        for name, t in times.items():
            row["us_per_row"][name] = [statistics.median(t) * 1e6, min(t) * 1e6, max(t) * 1e6]
            row["ratio_to_xgboost"][name] = statistics.median(p / q for p, q in zip(t, times[xgb_name]))
            row["wall_us_per_row"][name] = statistics.median(walls[name]) * 1e6
        results.append(row)
        print(f"{output}, {n} rows, {a.threads} thread(s), CPU us per row, median (min..max); ratio to {xgb_name}; "
              "median wall us per row:")
        for name, (med, lo, hi) in row["us_per_row"].items():
            print(f"  {name:16s} {med:10.1f} ({lo:.1f}..{hi:.1f})  {row['ratio_to_xgboost'][name]:.3f}"
                  f"  wall {row['wall_us_per_row'][name]:.1f}")
    summary = {"cpu": cpu_model(), "load_average": {"start": load_start, "end": os.getloadavg()},
               "repeats": a.repeats, "polyscore": polyscore.library_version(), "results": results}
    print(json.dumps({k: summary[k] for k in ("cpu", "load_average")}))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
