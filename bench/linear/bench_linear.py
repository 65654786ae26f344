"""LightGBM linear trees (linear_tree=true): polyscore beside LightGBM's own predict.

No other scorer reads these models (lleaves, Treelite and ONNX converters refuse them),
so the one peer is LightGBM. Trains a linear-tree model on synthetic data (fixed seed),
checks that polyscore's margins equal LightGBM's raw_score bit for bit, then times both
on the same rows, interleaved (LightGBM, polyscore, LightGBM, ...), one thread each:
a batch call on N rows, and one row at a time. Reports CPU time per row (the process's,
robust to waiting for a core on a shared machine), the median and the spread (min-max)
over the repeats, and the ratio LightGBM / polyscore per repeat.

Run: bench/linear/run.sh (makes a venv with the pinned LightGBM; needs build/).
"""
import argparse
import json
import os
import platform
import sys
import time

import lightgbm as lgb
import numpy as np

import polyscore


def train(rounds, leaves, features, seed=7):
    rng = np.random.default_rng(seed)
    n = 20000
    X = rng.normal(size=(n, features))
    X[rng.random((n, features)) < 0.05] = np.nan
    Z = np.nan_to_num(X)
    y = Z[:, 0] * 1.5 + np.sin(Z[:, 1]) + 0.5 * Z[:, 2] * Z[:, 3] + rng.normal(0, 0.3, n)
    params = {"objective": "regression", "linear_tree": True, "num_leaves": leaves, "learning_rate": 0.1,
              "num_threads": 1, "seed": seed, "deterministic": True, "verbose": -1}
    return lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=rounds), rng


def cpu_per_row(fn, rows, min_seconds):
    """CPU seconds per row of fn(), repeated until min_seconds of CPU time."""
    calls = 0
    t0 = time.process_time()
    while True:
        fn()
        calls += 1
        spent = time.process_time() - t0
        if spent >= min_seconds:
            return spent / (calls * rows)


def summary(values):
    v = sorted(values)
    return {"median": v[len(v) // 2], "min": v[0], "max": v[-1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--leaves", type=int, default=31)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--single-rows", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-seconds", type=float, default=0.3)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    load_before = os.getloadavg()

    booster, rng = train(a.rounds, a.leaves, a.features)
    model_text = booster.model_to_string()
    model = polyscore.Model.load_buffer(model_text.encode())
    X = rng.normal(size=(a.batch, a.features))
    X[rng.random(X.shape) < 0.05] = np.nan  # NaN in the leaves' features: the fallback rule

    want = booster.predict(X, raw_score=True, num_threads=1)
    got = model.predict(X, output="margin", num_threads=1).reshape(-1)
    if not np.array_equal(want, got):
        sys.exit(f"polyscore and lightgbm disagree on {int(np.sum(want != got))} of {len(want)} margins")
    single = X[: a.single_rows]
    single_rows_py = [list(r) for r in single]

    results = {"batch": {"lightgbm": [], "polyscore": [], "ratio": []},
               "single_row": {"lightgbm": [], "polyscore": [], "ratio": []}}
    for _ in range(a.repeats):
        lg = cpu_per_row(lambda: booster.predict(X, raw_score=True, num_threads=1), a.batch, a.min_seconds)
        ps = cpu_per_row(lambda: model.predict(X, output="margin", num_threads=1), a.batch, a.min_seconds)
        results["batch"]["lightgbm"].append(lg)
        results["batch"]["polyscore"].append(ps)
        results["batch"]["ratio"].append(lg / ps)

        def lgb_rows():
            for r in single:
                booster.predict(r.reshape(1, -1), raw_score=True, num_threads=1)

        def ps_rows():
            for r in single_rows_py:
                model.predict_row(r, output="margin")

        lg = cpu_per_row(lgb_rows, len(single), a.min_seconds)
        ps = cpu_per_row(ps_rows, len(single), a.min_seconds)
        results["single_row"]["lightgbm"].append(lg)
        results["single_row"]["polyscore"].append(ps)
        results["single_row"]["ratio"].append(lg / ps)

    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    report = {
        "model": {"rounds": a.rounds, "num_leaves": a.leaves, "features": a.features, "linear_tree": True},
        "batch_rows": a.batch, "single_rows": a.single_rows, "repeats": a.repeats,
        "lightgbm": lgb.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "cpu": cpu, "avx512f": "avx512f" in open("/proc/cpuinfo").read(),
        "load_before": load_before,
        "seconds_per_row": {k: {p: summary(v[p]) for p in ("lightgbm", "polyscore")} for k, v in results.items()},
        "ratio_lightgbm_over_polyscore": {k: summary(v["ratio"]) for k, v in results.items()},
        "raw": results,
        "margins_equal_bit_for_bit": True,
    }
    report["load_after"] = os.getloadavg()
    text = json.dumps(report, indent=1)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
