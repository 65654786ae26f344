"""Train the benchmark models with the real libraries, on synthetic data, fixed seeds.

Writes into DIR (default bench/models/, git-ignored; rerun to regenerate):
  xgb.json, xgb.ubj   XGBoost binary:logistic, hist, max_depth 8, 50 features
  lgb.txt             LightGBM binary, num_leaves 255, max_depth 8, 50 features
  X64.npy, X32.npy    the test matrix (float64 and the same values as float32), with NaN
  meta.json           what was trained, and how

    python make_models.py [--trees 500] [--test-rows 100000] [--out DIR]
"""
import argparse
import json
import os
import time

import numpy as np

N_FEATURES = 50
NAN_FRACTION = 0.05


def make_data(rng, n):
    X = rng.standard_normal((n, N_FEATURES))
    # A target with many interactions, so that depth-8 trees fill up.
    z = (np.sin(2 * X[:, 0]) * X[:, 1] + X[:, 2] * X[:, 3] - np.abs(X[:, 4])
         + 0.5 * np.cos(X[:, 5] * X[:, 6]) + 0.3 * X[:, 7:20].sum(axis=1)
         - 0.2 * (X[:, 20:35] ** 2).sum(axis=1) + 3.0
         + 0.4 * np.tanh(X[:, 35:50] @ rng.standard_normal(15)))
    y = (z + 0.8 * rng.standard_normal(n) > 0).astype(np.float64)
    X[rng.random(X.shape) < NAN_FRACTION] = np.nan
    return X, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", type=int, default=500)
    ap.add_argument("--train-rows", type=int, default=20000)
    ap.add_argument("--test-rows", type=int, default=100000)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"))
    args = ap.parse_args()

    import lightgbm as lgb
    import xgboost as xgb

    os.makedirs(args.out, exist_ok=True)
    X, y = make_data(np.random.default_rng(20240601), args.train_rows)
    Xt, _ = make_data(np.random.default_rng(7), args.test_rows)
    np.save(os.path.join(args.out, "X64.npy"), np.ascontiguousarray(Xt, dtype=np.float64))
    np.save(os.path.join(args.out, "X32.npy"), np.ascontiguousarray(Xt, dtype=np.float32))

    t0 = time.perf_counter()
    dtrain = xgb.DMatrix(X, label=y)
    booster = xgb.train(
        {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 8, "eta": 0.1,
         "min_child_weight": 0.5, "lambda": 1.0, "subsample": 0.9, "seed": 1, "nthread": 1},
        dtrain, num_boost_round=args.trees)
    booster.save_model(os.path.join(args.out, "xgb.json"))
    booster.save_model(os.path.join(args.out, "xgb.ubj"))
    xgb_s = time.perf_counter() - t0
    dumps = booster.get_dump()
    xgb_leaves = [d.count("leaf=") for d in dumps]

    t0 = time.perf_counter()
    model = lgb.train(
        {"objective": "binary", "num_leaves": 255, "max_depth": 8, "learning_rate": 0.1,
         "min_data_in_leaf": 5, "feature_fraction": 0.9, "bagging_fraction": 0.9,
         "bagging_freq": 1, "seed": 1, "deterministic": True, "num_threads": 1,
         "verbose": -1},
        lgb.Dataset(X, label=y), num_boost_round=args.trees)
    model.save_model(os.path.join(args.out, "lgb.txt"))
    lgb_s = time.perf_counter() - t0
    lgb_leaves = [t["num_leaves"] for t in model.dump_model()["tree_info"]]

    meta = {
        "trees": args.trees, "train_rows": args.train_rows, "test_rows": args.test_rows,
        "features": N_FEATURES, "nan_fraction": NAN_FRACTION,
        "xgboost": xgb.__version__, "lightgbm": lgb.__version__,
        "xgb_trees": len(dumps), "xgb_mean_leaves": float(np.mean(xgb_leaves)),
        "lgb_trees": len(lgb_leaves), "lgb_mean_leaves": float(np.mean(lgb_leaves)),
        "xgb_train_s": xgb_s, "lgb_train_s": lgb_s,
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
