#!/usr/bin/env python3
"""Train the bundled example fraud model `fraud-v3` (XGBoost, binary:logistic).

Synthetic transactions with two numeric features:
  amount_zscore  how unusual the amount is for the card holder (z-score)
  velocity       recent transactions per hour, relative to the holder's norm
Fraud becomes more likely as either rises.

Writes, next to this script:
  fraud-v3.json  the XGBoost model (JSON)
  rows.csv       a few feature rows (header amount_zscore,velocity)
  expected.csv   the same rows plus XGBoost's predicted probability (repr)

Run with the "new" venv made by tests/gen/generate.sh:
  /tmp/polyscore-gen-venvs/new/bin/python examples/fraud/train_fraud.py
"""
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["amount_zscore", "velocity"]


def synth(n, seed):
    rng = np.random.default_rng(seed)
    amount = rng.normal(0.0, 1.0, n)
    velocity = rng.gamma(2.0, 0.5, n)  # mean 1.0, always >= 0
    logit = -2.0 + 2.0 * amount + 2.8 * velocity
    p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < p).astype(np.float64)
    return np.column_stack([amount, velocity]), y


def main():
    X, y = synth(6000, seed=3)
    dtrain = xgb.DMatrix(X, label=y, feature_names=FEATURES)
    params = {
        "objective": "binary:logistic",
        "max_depth": 4,
        "eta": 0.1,
        "nthread": 1,
        "seed": 3,
        "tree_method": "hist",
    }
    bst = xgb.train(params, dtrain, num_boost_round=50)
    bst.save_model(os.path.join(HERE, "fraud-v3.json"))

    rows = np.array(
        [
            [0.4, 1.2],
            [0.0, 0.5],
            [-1.0, 0.2],
            [1.5, 2.5],
            [2.0, 0.1],
        ],
        dtype=np.float64,
    )
    pred = bst.predict(xgb.DMatrix(rows, feature_names=FEATURES))
    with open(os.path.join(HERE, "rows.csv"), "w", newline="\n") as f:
        f.write(",".join(FEATURES) + "\n")
        for r in rows:
            f.write(",".join(repr(float(v)) for v in r) + "\n")
    with open(os.path.join(HERE, "expected.csv"), "w", newline="\n") as f:
        f.write(",".join(FEATURES) + ",probability\n")
        for r, p in zip(rows, pred):
            f.write(",".join(repr(float(v)) for v in r) + "," + repr(float(p)) + "\n")
    print("fraud-v3 score for [0.4, 1.2]:", float(pred[0]))


if __name__ == "__main__":
    main()
