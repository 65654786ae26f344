"""Adds SHAP contribution outputs ("contrib") to the conformance vectors.

For every case in tests/vectors/manifest.json made by the xgboost / lightgbm versions
importable here, loads the case's saved model and input rows with the real library and
writes its own contributions: XGBoost Booster.predict(pred_contribs=True), LightGBM
Booster.predict(pred_contrib=True), with the case's iteration range. Run by
tests/gen/generate.sh after make_vectors.py, once per pinned environment.

Layout written: one line per row, per margin output num_features contributions then
the bias (XGBoost's (rows, groups, features + 1) flattened; LightGBM's own order).
"""
import argparse
import json
import os
import sys

import numpy as np

try:
    import xgboost as xgb
except ImportError:
    xgb = None
try:
    import lightgbm as lgb
except ImportError:
    lgb = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_vectors import short_error, write_csv  # noqa: E402

# XGBoost 3.3 replaced its TreeSHAP with QuadratureTreeSHAP (8-point Gauss-Legendre
# quadrature, and SHAP for multi-target trees). polyscore explains a file written by
# XGBoost 3.3+ that way and older files by exact TreeSHAP (docs/explain.md), so each
# environment's vectors (its own files, explained by itself) hold its own arithmetic.


def read_rows(path, dtype):
    rows = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
    return rows.astype(np.float32) if dtype == "float32" else rows


def xgb_contrib(case, out):
    bst = xgb.Booster(model_file=os.path.join(out, case["model"]))
    X = read_rows(os.path.join(out, case["input"]), case["dtype"])
    types = bst.feature_types
    cat = types is not None and "c" in types
    d = xgb.DMatrix(X, missing=np.nan, feature_types=types if cat else None, enable_categorical=cat)
    begin, end = case["iteration_begin"], case["iteration_end"]
    if begin > 0:
        # XGBoost refuses pred_contribs with iteration_begin > 0 and asks for slicing (DART
        # instead sums from round 0); the sliced booster's contributions are those of
        # rounds [begin, end).
        case["notes"] = "; ".join(filter(None, [case.get("notes"), (
            "contrib output made with booster[begin:end].predict(pred_contribs=True): xgboost "
            "refuses (gbtree) or ignores (dart) iteration_begin > 0 for contributions")]))
        return bst[begin:end].predict(d, pred_contribs=True)
    kw = {"iteration_range": (0, end)} if end else {}
    return bst.predict(d, pred_contribs=True, **kw)


def lgb_contrib(case, out):
    bst = lgb.Booster(model_file=os.path.join(out, case["model"]))
    X = read_rows(os.path.join(out, case["input"]), case["dtype"])
    kw = {}
    if (case["iteration_begin"], case["iteration_end"]) != (0, 0):
        kw = {"start_iteration": case["iteration_begin"],
              "num_iteration": case["iteration_end"] - case["iteration_begin"]}
    return bst.predict(X, pred_contrib=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    path = os.path.join(a.out, "manifest.json")
    with open(path) as f:
        manifest = json.load(f)
    made = {}
    if xgb is not None:
        made[("xgboost", xgb.__version__)] = xgb_contrib
    if lgb is not None:
        made[("lightgbm", lgb.__version__)] = lgb_contrib
    done = 0
    for case in manifest["cases"]:
        fn = made.get((case["library"], case["library_version"]))
        if fn is None or "margin" not in case["outputs"]:
            continue
        try:
            arr = np.asarray(fn(case, a.out))
        except Exception as e:  # the library refuses (e.g. gblinear in some versions)
            note = f"contrib output not available: {case['library']} says: {short_error(e).splitlines()[0]}"
            case["notes"] = "; ".join(filter(None, [case.get("notes"), note]))
            continue
        # A library's contributions must sum to its own margin; where they do not (XGBoost
        # 3.2 DART with iteration_begin > 0 sums trees from round 0), the case gets a note
        # instead of a vector (tests/core checks that polyscore's do sum to the margin).
        margin = np.loadtxt(os.path.join(a.out, case["outputs"]["margin"]["file"]), delimiter=",", ndmin=2)
        sums = arr.reshape(margin.shape[0], margin.shape[1], -1).sum(axis=2, dtype=np.float64)
        if not np.allclose(sums, margin, rtol=1e-4, atol=1e-4):
            note = (f"contrib output left out: {case['library']} {case['library_version']}'s "
                    "contributions do not sum to its margin for this case")
            case["notes"] = "; ".join(filter(None, [case.get("notes"), note]))
            continue
        rel = f"data/{case['name']}.contrib.csv"
        shape = write_csv(os.path.join(a.out, rel), arr)
        case["outputs"]["contrib"] = {"file": rel, "shape": shape}
        case["library_shape"]["contrib"] = [int(s) for s in arr.shape]
        done += 1
    with open(path, "w", newline="\n") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"contrib outputs for {done} cases of {sorted(made)}")


if __name__ == "__main__":
    main()
