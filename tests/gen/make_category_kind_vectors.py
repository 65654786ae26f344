#!/usr/bin/env python3
"""Vectors for the KIND of a model's training categories (the dtype of a pandas
categorical's categories: strings, integers, floats, booleans) and for string categories
spelled as a missing value ("NA", "nan", "NaN", ""). A client reading model metadata must
be able to tell the string "1" from the integer 1 and the float 1.0; a client sending
"NA" by its text must get the category "NA", not a missing value.

Run in the "new" venv of tests/gen/generate.sh (pandas added); writes to
tests/vectors/frames, in make_frame_vectors.py's case format plus
  "category_dtypes": {column: str(the training frame's categories' dtype)}
for each categorical column of the training frame:
  lgb4_kinds_binary.{txt,case.json}    LightGBM: string, integer, float and boolean
      categories (pandas_categorical holds them as JSON strings, integers, reals and
      booleans).
  xgb3_kinds_binary.{json,ubj,case.json}  XGBoost: string and integer categories
      (XGBoost 3.2 refuses float and boolean ones: "Category index from DataFrame has
      floating point dtype, consider using strings or integers instead").
The predict frames hold every trained category, "NA" and "" included, and missing values.
"""
import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_frame_vectors import major, write_case  # noqa: E402
from make_vectors import xgb_prefix  # noqa: E402

SHOPS = ["NA", "grocery", "nan", "NaN", "", "N/A", "null"]  # strings a CSV reader may read as missing
LEVELS = [10, 1, 3, 2]              # integers, not in order: a value's code is its position
RATES = [0.5, 1.0, 2.5, -3.0]       # floats (LightGBM only): 1.0 is the text "1" of kind REAL
FLAGS = [False, True]               # booleans (LightGBM only)


def frames(rng, n, lightgbm):
    """(training frame, labels), then the predict frame."""
    def columns(size):
        cols = {
            "amount": np.round(rng.gamma(2.0, 40.0, size=size), 2),
            "shop": pd.Categorical(rng.choice(np.array(SHOPS, dtype=object), size), categories=SHOPS),
            "level": pd.Categorical(rng.choice(LEVELS, size), categories=LEVELS),
        }
        if lightgbm:
            cols["rate"] = pd.Categorical(rng.choice(RATES, size), categories=RATES)
            cols["flag"] = pd.Categorical(rng.choice(FLAGS, size), categories=FLAGS)
        return cols

    train = pd.DataFrame(columns(n))
    shop_weight = dict(zip(SHOPS, [2.0, -1.0, 1.2, -0.6, 0.9, 0.3, -1.5]))
    score = (0.01 * train["amount"].to_numpy() + train["shop"].map(shop_weight).astype(float).to_numpy()
             + 0.3 * (train["level"].astype(int).to_numpy() % 4))
    if lightgbm:
        score = score + train["rate"].astype(float).to_numpy() + 1.0 * train["flag"].astype(bool).to_numpy()
    y = (score + rng.normal(0, 0.5, size=n) > 1.5).astype(float)

    test = pd.DataFrame(columns(80))
    for c in test.columns:
        if c != "amount":
            test.loc[rng.random(len(test)) < 0.08, c] = np.nan
    return train, y, test


def category_dtypes(train):
    return {c: str(train[c].cat.categories.dtype) for c in train.columns
            if isinstance(train[c].dtype, pd.CategoricalDtype)}


def save_case(out, name, library, version, files, test, value, margin, train):
    write_case(out, name, library, version, files, test, value, margin)
    path = os.path.join(out, name + ".case.json")
    with open(path) as f:
        case = json.load(f)
    case["category_dtypes"] = category_dtypes(train)
    with open(path, "w", newline="\n") as f:
        json.dump(case, f, indent=None, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors/frames")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    import lightgbm as lgb
    import xgboost as xgb

    train, y, test = frames(np.random.default_rng(20261205), 1500, lightgbm=True)
    name = "lgb%d_kinds_binary" % major(lgb)
    params = {"objective": "binary", "num_leaves": 12, "learning_rate": 0.2, "num_threads": 1,
              "seed": 3, "deterministic": True, "force_col_wise": True, "verbose": -1,
              "min_data_per_group": 10, "cat_smooth": 1.0, "max_cat_to_onehot": 3}
    bst = lgb.train(params, lgb.Dataset(train, label=y), num_boost_round=15)
    bst.save_model(os.path.join(out, name + ".txt"))
    save_case(out, name, "lightgbm", lgb.__version__, [name + ".txt"], test,
              bst.predict(test), bst.predict(test, raw_score=True), train)

    train, y, test = frames(np.random.default_rng(20261206), 1500, lightgbm=False)
    name = xgb_prefix(xgb.__version__) + "_kinds_binary"
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1,
              "tree_method": "hist", "max_cat_to_onehot": 3, "seed": 3}
    bst = xgb.train(params, xgb.DMatrix(train, label=y, enable_categorical=True), num_boost_round=15)
    bst.save_model(os.path.join(out, name + ".json"))
    bst.save_model(os.path.join(out, name + ".ubj"))
    dm = xgb.DMatrix(test, enable_categorical=True)
    save_case(out, name, "xgboost", xgb.__version__, [name + ".json", name + ".ubj"], test,
              bst.predict(dm), bst.predict(dm, output_margin=True), train)


if __name__ == "__main__":
    main()
