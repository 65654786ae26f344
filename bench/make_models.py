"""Train the benchmark models with the real libraries, on synthetic data, fixed seeds.

Writes into DIR (default bench/models/, git-ignored; rerun to regenerate):
  xgb.json, xgb.ubj   XGBoost binary:logistic, hist, max_depth 8, 50 features
  lgb.txt             LightGBM binary, num_leaves 255, max_depth 8, 50 features
  lgb_reg.txt         LightGBM regression, num_leaves 63 (2x --trees trees: 1,000 in a full run)
  xgb_multi.json      XGBoost multi:softprob, 10 classes, max_depth 6 (--trees/5 rounds x 10
                      classes: 1,000 trees in a full run)
  lgb_cat.txt         LightGBM binary with 5 categorical features (categorical_feature),
                      num_leaves 63, --trees trees, on Xcat64/Xcat32
  xgb_cat.json        XGBoost binary, enable_categorical, the same categorical features
  xgb_tiny.json       XGBoost binary, 1 round of depth 1 (one tree: binding call cost)
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


N_CAT = 5            # features 0..4 of the categorical data are categories
CAT_LEVELS = [4, 8, 16, 32, 64]


def make_cat_data(rng, n):
    """The same generator, then features 0..4 replaced by integer category codes (stored as
    floats, NaN = missing) whose effect on the target is an arbitrary per-level table."""
    X, _ = make_data(rng, n)
    z = np.zeros(n)
    trng = np.random.default_rng(99)
    for j, k in enumerate(CAT_LEVELS):
        codes = rng.integers(0, k, n)
        z += trng.standard_normal(k)[codes]
        X[:, j] = codes.astype(np.float64)
    z += 0.3 * np.nan_to_num(X[:, 5:20]).sum(axis=1)
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

    def lgb_leaves_of(m):
        return float(np.mean([t["num_leaves"] for t in m.dump_model()["tree_info"]]))

    extra = {}
    # LightGBM regression, 1,000 trees of 63 leaves in a full run.
    t0 = time.perf_counter()
    zreg = np.nan_to_num(X[:, :20]).sum(axis=1) + np.sin(np.nan_to_num(X[:, 20]) * 3)
    reg = lgb.train({"objective": "regression", "num_leaves": 63, "learning_rate": 0.05,
                     "min_data_in_leaf": 5, "feature_fraction": 0.9, "seed": 1,
                     "deterministic": True, "num_threads": 1, "verbose": -1},
                    lgb.Dataset(X, label=zreg), num_boost_round=2 * args.trees)
    reg.save_model(os.path.join(args.out, "lgb_reg.txt"))
    extra["lgb_reg"] = {"trees": reg.num_trees(), "mean_leaves": lgb_leaves_of(reg),
                        "train_s": time.perf_counter() - t0}

    # XGBoost multi:softprob, 10 classes: classes = deciles of a latent score.
    t0 = time.perf_counter()
    zm = np.nan_to_num(X[:, :10]) @ np.arange(1, 11) + np.nan_to_num(X[:, 10]) * np.nan_to_num(X[:, 11])
    ym = np.searchsorted(np.quantile(zm, np.linspace(0.1, 0.9, 9)), zm).astype(np.float64)
    multi = xgb.train({"objective": "multi:softprob", "num_class": 10, "tree_method": "hist",
                       "max_depth": 6, "eta": 0.1, "seed": 1, "nthread": 1},
                      xgb.DMatrix(X, label=ym), num_boost_round=max(1, args.trees // 5))
    multi.save_model(os.path.join(args.out, "xgb_multi.json"))
    md = multi.get_dump()
    extra["xgb_multi"] = {"trees": len(md), "mean_leaves": float(np.mean([d.count("leaf=") for d in md])),
                          "train_s": time.perf_counter() - t0}

    # Categorical splits: LightGBM categorical_feature and XGBoost enable_categorical.
    Xc, yc = make_cat_data(np.random.default_rng(31), args.train_rows)
    Xct, _ = make_cat_data(np.random.default_rng(32), args.test_rows)
    np.save(os.path.join(args.out, "Xcat64.npy"), np.ascontiguousarray(Xct, dtype=np.float64))
    np.save(os.path.join(args.out, "Xcat32.npy"), np.ascontiguousarray(Xct, dtype=np.float32))
    t0 = time.perf_counter()
    cat = lgb.train({"objective": "binary", "num_leaves": 63, "learning_rate": 0.1,
                     "min_data_in_leaf": 5, "seed": 1, "deterministic": True, "num_threads": 1,
                     "verbose": -1, "max_cat_to_onehot": 4},
                    lgb.Dataset(Xc, label=yc, categorical_feature=list(range(N_CAT))),
                    num_boost_round=args.trees)
    cat.save_model(os.path.join(args.out, "lgb_cat.txt"))
    extra["lgb_cat"] = {"trees": cat.num_trees(), "mean_leaves": lgb_leaves_of(cat),
                        "train_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    ft = ["c"] * N_CAT + ["q"] * (N_FEATURES - N_CAT)
    xcat = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6,
                      "eta": 0.1, "seed": 1, "nthread": 1, "max_cat_to_onehot": 4},
                     xgb.DMatrix(Xc, label=yc, feature_types=ft, enable_categorical=True),
                     num_boost_round=args.trees)
    xcat.save_model(os.path.join(args.out, "xgb_cat.json"))
    cd = xcat.get_dump()
    extra["xgb_cat"] = {"trees": len(cd), "mean_leaves": float(np.mean([d.count("leaf=") for d in cd])),
                        "train_s": time.perf_counter() - t0}

    # One tree (1 round, depth 1): the fixed cost of one single-row call through a binding.
    tiny = xgb.train({"objective": "binary:logistic", "max_depth": 1, "nthread": 1, "seed": 1},
                     dtrain, num_boost_round=1)
    tiny.save_model(os.path.join(args.out, "xgb_tiny.json"))
    extra["xgb_tiny"] = {"trees": len(tiny.get_dump()), "mean_leaves": 2.0, "train_s": 0.0}

    meta = {
        "models": extra, "n_cat": N_CAT, "cat_levels": CAT_LEVELS,
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
