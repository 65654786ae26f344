"""The 500-tree benchmark model for the spectrum benchmark, without bench/run.sh's peers.

Trains exactly bench/make_models.py's XGBoost model (its data generator, parameters and
seeds; binary:logistic, hist, max_depth 8, 50 features) and writes it as JSON:

    python make_model.py OUT.json [--trees 500]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_models import make_data  # noqa: E402  (the same data as bench/run.sh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--trees", type=int, default=500)
    ap.add_argument("--train-rows", type=int, default=20000)
    args = ap.parse_args()
    import xgboost as xgb

    X, y = make_data(np.random.default_rng(20240601), args.train_rows)
    booster = xgb.train(
        {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 8, "eta": 0.1,
         "min_child_weight": 0.5, "lambda": 1.0, "subsample": 0.9, "seed": 1, "nthread": 1},
        xgb.DMatrix(X, label=y), num_boost_round=args.trees)
    booster.save_model(args.out + ".tmp.json")
    os.replace(args.out + ".tmp.json", args.out)


if __name__ == "__main__":
    main()
