#!/usr/bin/env python3
"""Conformance vectors for LightGBM 2.x model files ("version=v2"), scored by LightGBM 4.x.

LightGBM 2.0-2.2 wrote "version=v2" (2.3 already writes v3). 2.0 and 2.1 end the trees with
the "feature importances:" section instead of an "end of trees" line; LightGBM 4.x
still loads and scores these files. This script makes the files with the old library
and the expected outputs with the new one, in two steps (two venvs: the 2.x wheels
need an older Python, tests/gen/generate.sh makes both):

  python make_lgb2_vectors.py train --out tests/vectors   # in a venv with lightgbm 2.x
  python make_lgb2_vectors.py score --out tests/vectors   # in the venv with lightgbm 4.x

`train` saves models/lgb<MAJOR><MINOR>_<key>.txt (lgb20_, lgb21_, lgb22_ from 2.0.12,
2.1.2 and 2.2.3);
`score` loads every such file with lightgbm 4.x, predicts value, margin, leaf and
contributions on seeded inputs, and merges the cases into manifest.json with
library_version = the writing version (so that make_vectors.py runs never drop them)
and a note naming the scoring version.
"""
import argparse
import glob
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_vectors import (Gen, hash_str, latent, make_inputs, make_train,  # noqa: E402
                          merge_manifest, write_csv)

import lightgbm as lgb  # noqa: E402

NAN = float("nan")
N_TRAIN = 400


def params(**kw):
    # Only parameters LightGBM 2.0 knows (no deterministic / force_col_wise).
    p = {"num_leaves": 8, "max_depth": 4, "learning_rate": 0.3, "num_threads": 1, "seed": 11,
         "verbose": -1, "min_data_in_leaf": 10}
    p.update(kw)
    return p


def rng_for(key):
    return np.random.default_rng(abs(hash_str("lgb2" + key)) % (2**32))


def categorical_inputs(r, n, nf):
    X = make_inputs(r, n, nf)
    X[:, 1] = r.integers(-3, 30, size=n)  # negative and unseen categories
    X[r.choice(n, 5, replace=False), 1] = NAN
    X[1, :] = NAN
    X[5, 1] = 2.5  # a non-integer category value
    return X


# key -> (objective, num_features, rounds, extra params, labeler, categorical features)
CASES = {
    "binary": ("binary", 5, 10, {},
               lambda f, r: (f + r.normal(0, 0.7, size=f.shape) > 0.2).astype(float), None),
    "regression_missing": ("regression", 5, 8, {"use_missing": True},
                           lambda f, r: f + r.normal(0, 0.3, size=f.shape), None),
    "zero_as_missing": ("regression", 5, 8, {"zero_as_missing": True},
                        lambda f, r: f + r.normal(0, 0.3, size=f.shape), None),
    "multiclass": ("multiclass", 5, 5, {"num_class": 3},
                   lambda f, r: np.digitize(f + r.normal(0, 0.4, size=f.shape), [-0.6, 0.6]).astype(float),
                   None),
    "rf": ("regression", 5, 6,
           {"boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1, "feature_fraction": 0.8},
           lambda f, r: f + r.normal(0, 0.3, size=f.shape), None),
    "categorical": ("regression", 5, 10,
                    {"min_data_per_group": 5, "cat_smooth": 1.0, "max_cat_threshold": 16,
                     "min_data_in_leaf": 5, "num_leaves": 12},
                    None, [1]),
}


def training_data(key, nf, labeler, cat):
    r = rng_for(key)
    X = make_train(r, N_TRAIN, nf)
    if key == "zero_as_missing":
        X[r.random(N_TRAIN) < 0.15, 1] = 0.0
    if cat:
        X[:, 1] = r.integers(0, 25, size=N_TRAIN)
        X[r.random(N_TRAIN) < 0.05, 1] = NAN
        effect = np.array([((c * 7) % 11) / 5.0 - 1.0 for c in range(25)])
        y = 0.5 * latent(X) + 2.0 * effect[np.nan_to_num(X[:, 1], nan=0).astype(int)]
        y = y + r.normal(0, 0.3, size=N_TRAIN)
    else:
        y = labeler(latent(X), r)
    return X, y, r


def prefix():
    major, minor = (int(p) for p in re.findall(r"\d+", lgb.__version__)[:2])
    return "lgb%d%d" % (major, minor)


def train(out):
    assert lgb.__version__.startswith("2."), "train runs with lightgbm 2.x, found " + lgb.__version__
    os.makedirs(os.path.join(out, "models"), exist_ok=True)
    for key, (objective, nf, rounds, extra, labeler, cat) in CASES.items():
        X, y, _ = training_data(key, nf, labeler, cat)
        ds = lgb.Dataset(X, label=y, categorical_feature=cat if cat else "auto", free_raw_data=False)
        bst = lgb.train(params(objective=objective, **extra), ds, num_boost_round=rounds)
        path = os.path.join(out, "models", "%s_%s.txt" % (prefix(), key))
        bst.save_model(path)
        print("wrote", path)


def score(out):
    assert lgb.__version__.startswith("4."), "score runs with lightgbm 4.x, found " + lgb.__version__
    g = Gen(out)
    versions = set()
    for path in sorted(glob.glob(os.path.join(out, "models", "lgb2[0-2]_*.txt"))):
        name = os.path.basename(path)[:-4]
        key = name.split("_", 1)[1]
        objective, nf, _, _, labeler, cat = CASES[key]
        with open(path) as f:
            text = f.read()
        assert "version=v2\n" in text, path + " is not a v2 file"
        writer = {"lgb20": "2.0.12", "lgb21": "2.1.2", "lgb22": "2.2.3"}[name[:5]]
        versions.add(("lightgbm", writer))
        _, _, r = training_data(key, nf, labeler, cat)
        X = categorical_inputs(r, 60, nf) if cat else make_inputs(r, 60, nf)
        bst = lgb.Booster(model_file=path)
        outs = {"value": bst.predict(X), "margin": bst.predict(X, raw_score=True),
                "leaf": bst.predict(X, pred_leaf=True)}
        notes = ["model file written by lightgbm %s (version=v2%s); outputs by lightgbm %s loading it"
                 % (writer, "" if "end of trees" in text else ", no \"end of trees\" line",
                    lgb.__version__)]
        case = {"name": name, "library": "lightgbm", "library_version": writer,
                "model": "models/%s.txt" % name, "format": "lightgbm-text", "objective": objective,
                "num_features": int(nf), "dtype": "float64", "iteration_begin": 0, "iteration_end": 0}
        g.emit(case, X, outs, notes)
        contrib = np.asarray(bst.predict(X, pred_contrib=True))
        rel = "data/%s.contrib.csv" % name
        case["outputs"]["contrib"] = {"file": rel, "shape": write_csv(os.path.join(out, rel), contrib)}
        case["library_shape"]["contrib"] = [int(s) for s in contrib.shape]
    merge_manifest(out, g.cases, versions)
    print("%d cases from %s" % (len(g.cases), sorted(versions)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["train", "score"])
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    train(a.out) if a.step == "train" else score(a.out)


if __name__ == "__main__":
    main()
