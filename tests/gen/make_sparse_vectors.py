#!/usr/bin/env python3
"""Conformance vectors for sparse, high-dimensional input, made by the real libraries.

Hashed or one-hot features, as in click and text models: 2^20 declared features for
XGBoost, 2^16 for LightGBM (whose text model lists every declared feature's name and
range: 20 MB at 2^20), rows of about 30 stored entries, trees that test a few hundred
of the features. Each library
trains a small binary model on a scipy CSR matrix and predicts on another (value,
margin, leaf). The rows are written in a libsvm-like text file, one row per line, each
stored entry as `index:value` (a row with no entries is an empty line), so the files stay
small; the library read exactly these entries (an entry stored as 0.0 or NaN included).

Kept apart from tests/vectors/manifest.json (which every binding reads as dense rows) in
<out>/sparse/manifest.json. tests/gen/generate.sh runs this in its "new" venv (xgb3_ and
lgb4_ cases) and then its "xgb34" venv (xgboost 3.4.1 only: the xgb34_ case, from the
same seed); each run replaces its own cases in the manifest and keeps the others'.

Usage: python make_sparse_vectors.py --out tests/vectors
"""
import argparse
import json
import os
import sys

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_vectors import capture_fd2, fmt, write_csv, xgb_prefix  # noqa: E402

XGB_FEATURES = 2**20
LGB_FEATURES = 2**16
TOKENS = 20000       # distinct hashed features that occur
NNZ_PER_ROW = 30
TRAIN_ROWS = 3000
TEST_ROWS = 300
TREES = 20


def token_slots(rng, nf):
    """Where each token lands among the nf features (a fixed random hashing)."""
    return np.sort(rng.choice(nf, size=TOKENS, replace=False))


def sparse_rows(rng, slots, n, nf):
    """n rows of NNZ_PER_ROW distinct tokens each, Zipf-distributed, with positive values
    (term frequencies, rounded so that they often equal a split threshold's neighbours)."""
    indptr, indices, values = [0], [], []
    for _ in range(n):
        k = rng.integers(NNZ_PER_ROW - 10, NNZ_PER_ROW + 11)
        tokens = np.unique(np.minimum(rng.zipf(1.3, size=k) - 1, TOKENS - 1))
        indices.extend(slots[tokens].tolist())
        values.extend(np.round(rng.exponential(1.0, size=len(tokens)) + 0.05, 2).tolist())
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(values), np.array(indices, dtype=np.int32), np.array(indptr)),
                         shape=(n, nf))


def labels(rng, X, slots):
    """A binary label from a few dozen informative tokens."""
    weights = np.zeros(X.shape[1])
    informative = slots[rng.choice(200, size=40, replace=False)]
    weights[informative] = rng.normal(0.0, 1.5, size=40)
    score = X @ weights + rng.normal(0.0, 0.5, size=X.shape[0])
    return (score > np.median(score)).astype(float)


def test_rows(rng, slots, nf):
    """TEST_ROWS rows from the same distribution, then rows at the edges: no entry at all,
    entries stored as 0.0 and NaN, the first and last declared feature, negative values."""
    X = sparse_rows(rng, slots, TEST_ROWS, nf).tolil()
    used = slots[:50]
    X[1, :] = 0
    X = X.tocsr()
    X.eliminate_zeros()  # row 1: empty
    extra = sp.lil_matrix((6, nf))
    for j, f in enumerate(used[:10]):
        extra[0, f] = 0.0 if j % 2 else 1.0  # lil drops zeros; stored zeros are added below
        extra[1, f] = -float(j + 1)
    extra[2, 0] = 3.0
    extra[2, nf - 1] = 4.0
    extra = extra.tocsr()
    X = sp.vstack([X, extra]).tocsr()
    # Entries stored as 0.0 and NaN (XGBoost reads a stored 0.0 as a value, NaN as missing).
    rows = []
    for value in (0.0, float("nan")):
        idx = np.array(used[:12], dtype=np.int32)
        rows.append(sp.csr_matrix((np.full(len(idx), value), idx, np.array([0, len(idx)])),
                                  shape=(1, nf)))
    X = sp.vstack([X] + rows, format="csr")
    assert X.indptr[-1] == len(X.data)
    return X


def write_rows(path, X):
    with open(path, "w", newline="\n") as f:
        for r in range(X.shape[0]):
            lo, hi = X.indptr[r], X.indptr[r + 1]
            f.write(" ".join(f"{int(i)}:{fmt(v)}" for i, v in zip(X.indices[lo:hi], X.data[lo:hi])) + "\n")


def emit(out, cases, name, library, version, model_rel, fmt_name, X, outputs):
    case = {"name": name, "library": library, "library_version": version, "model": model_rel,
            "format": fmt_name, "objective": "binary", "num_features": int(X.shape[1]),
            "input": f"data/{name}.X.txt", "rows": int(X.shape[0]), "stored_entries": int(X.nnz),
            "outputs": {}}
    write_rows(os.path.join(out, case["input"]), X)
    for kind, arr in outputs.items():
        rel = f"data/{name}.{kind}.csv"
        shape = write_csv(os.path.join(out, rel), arr, integer=(kind == "leaf"))
        case["outputs"][kind] = {"file": rel, "shape": shape}
    cases.append(case)
    print(f"case {name}: rows={X.shape[0]} stored entries={X.nnz}")


def xgboost_case(out, cases, Xtr, y, Xp):
    import xgboost as xgb
    v = xgb.__version__
    name = f"{xgb_prefix(v)}_sparse_hashed_binary"
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "nthread": 1, "seed": 7,
              "tree_method": "hist", "verbosity": 1}
    with capture_fd2():
        bst = xgb.train(params, xgb.DMatrix(Xtr, label=y, missing=np.nan), num_boost_round=TREES)
    rel = f"models/{name}.json"
    bst.save_model(os.path.join(out, rel))
    d = xgb.DMatrix(Xp, missing=np.nan)
    outs = {"value": bst.predict(d), "margin": bst.predict(d, output_margin=True),
            "leaf": bst.predict(d, pred_leaf=True)}
    emit(out, cases, name, "xgboost", v, rel, "xgboost-json", Xp, outs)


def lightgbm_case(out, cases, Xtr, y, Xp):
    import lightgbm as lgb
    v = lgb.__version__
    name = f"lgb{v.split('.')[0]}_sparse_hashed_binary"
    params = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.2, "min_data_in_leaf": 5,
              "num_threads": 1, "seed": 7, "deterministic": True, "verbosity": -1}
    with capture_fd2():
        bst = lgb.train(params, lgb.Dataset(Xtr, label=y), num_boost_round=TREES)
    rel = f"models/{name}.txt"
    bst.save_model(os.path.join(out, rel))
    outs = {"value": bst.predict(Xp), "margin": bst.predict(Xp, raw_score=True),
            "leaf": bst.predict(Xp, pred_leaf=True)}
    emit(out, cases, name, "lightgbm", v, rel, "lightgbm-text", Xp, outs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors (cases go to <out>/sparse)")
    a = ap.parse_args()
    out = os.path.join(a.out, "sparse")
    os.makedirs(os.path.join(out, "models"), exist_ok=True)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    cases = []
    makers = [(XGB_FEATURES, xgboost_case)]
    try:
        import lightgbm  # noqa: F401
        makers.append((LGB_FEATURES, lightgbm_case))
    except ImportError:  # the xgb34 environment of generate.sh has XGBoost only
        pass
    for nf, make_case in makers:
        rng = np.random.default_rng(20261204)
        slots = token_slots(rng, nf)
        Xtr = sparse_rows(rng, slots, TRAIN_ROWS, nf)
        y = labels(rng, Xtr, slots)
        Xp = test_rows(rng, slots, nf)
        make_case(out, cases, Xtr, y, Xp)
    path = os.path.join(out, "manifest.json")
    if os.path.exists(path):  # keep the other environment's cases; replace ours in place
        with open(path) as f:
            old = json.load(f)["cases"]
        made = {c["name"]: c for c in cases}
        cases = [made.pop(c["name"], c) for c in old] + [c for c in cases if c["name"] in made]
    with open(path, "w", newline="\n") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
