#!/usr/bin/env python3
"""Vectors for category values and column names that a CSV file must quote: a comma, a
double quote, a line break. The CLI's CSV reader (src/cli/csv_reader.cc) reads them
from RFC 4180 quoted fields; these cases say what the training library scored.

Run in the "new" venv of tests/gen/generate.sh (pandas added); writes to
tests/vectors/frames, in make_frame_vectors.py's case format:
  xgb3_quoted_binary.{json,case.json}  XGBoost: a categorical column and a numeric one
      whose names hold a comma and a quote; categories holding a comma, a quote, a line
      break. The predict frame holds trained values only (XGBoost refuses others).
  lgb4_quoted_binary.{txt,case.json}   LightGBM: the same categories (LightGBM refuses
      such characters in feature names, so its columns have plain names); its predict
      frame also holds a value with a comma that training never saw (LightGBM scores it
      as missing).
"""
import argparse
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_frame_vectors import major, write_case  # noqa: E402
from make_vectors import xgb_prefix  # noqa: E402

SHOPS = ["Smith, Jones & Co", 'the "best" shop', "two\nlines", "plain", ",", '"', "a,b,\"c\""]


def frames(rng, n, names, unseen):
    """(training frame, labels) and the predict frame; `names` = (shop, amount, other) columns."""
    shop, amount, other = names
    train = pd.DataFrame({
        amount: np.round(rng.gamma(2.0, 40.0, size=n), 2),
        shop: pd.Categorical(rng.choice(SHOPS, n), categories=SHOPS),
        other: rng.integers(0, 100, size=n).astype(np.float64),
    })
    weight = {s: w for s, w in zip(SHOPS, [1.5, -1.0, 0.8, 0.0, 2.0, -2.0, 1.1])}
    score = 0.01 * train[amount].to_numpy() + train[shop].map(weight).astype(float).to_numpy()
    y = (score + rng.normal(0, 0.5, size=n) > 1.0).astype(float)
    values = list(reversed(SHOPS)) + (["Smith, Jones, and Co"] if unseen else [])
    s = rng.choice(values, 60).astype(object)
    s[rng.random(60) < 0.1] = None
    test = pd.DataFrame({
        amount: np.round(rng.gamma(2.0, 40.0, size=60), 2),
        shop: pd.Categorical(s, categories=values),
        other: rng.integers(0, 100, size=60).astype(np.float64),
    })
    return train, y, test


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors/frames")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    try:
        import xgboost as xgb
        import lightgbm as lgb
    except ImportError:
        raise SystemExit("make_quoted_frame_vectors.py: needs xgboost and lightgbm (the new venv)")

    name = xgb_prefix(xgb.__version__) + "_quoted_binary"
    train, y, test = frames(np.random.default_rng(5), 800, ("shop, city", 'amount "EUR"', "other"), unseen=False)
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "nthread": 1,
              "tree_method": "hist", "max_cat_to_onehot": 1, "seed": 3}
    bst = xgb.train(params, xgb.DMatrix(train, label=y, enable_categorical=True), num_boost_round=10)
    bst.save_model(os.path.join(out, name + ".json"))
    dm = xgb.DMatrix(test, enable_categorical=True)
    write_case(out, name, "xgboost", xgb.__version__, [name + ".json"], test,
               bst.predict(dm), bst.predict(dm, output_margin=True))

    name = "lgb%d_quoted_binary" % major(lgb)
    train, y, test = frames(np.random.default_rng(6), 800, ("shop", "amount", "other"), unseen=True)
    params = {"objective": "binary", "num_leaves": 8, "learning_rate": 0.2, "num_threads": 1, "seed": 3,
              "deterministic": True, "force_col_wise": True, "verbose": -1, "min_data_per_group": 10,
              "cat_smooth": 1.0, "max_cat_to_onehot": 4}
    bst = lgb.train(params, lgb.Dataset(train, label=y), num_boost_round=10)
    bst.save_model(os.path.join(out, name + ".txt"))
    write_case(out, name, "lightgbm", lgb.__version__, [name + ".txt"], test,
               bst.predict(test), bst.predict(test, raw_score=True))


if __name__ == "__main__":
    main()
