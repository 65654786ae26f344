"""Adds SHAP interaction values ("interactions") to the conformance vectors.

For every XGBoost case in tests/vectors/manifest.json made by the xgboost version
importable here, loads the case's saved model and input rows with the real library and
writes its Booster.predict(pred_interactions=True) for the first ROWS rows (the matrix
per row is (features + 1)^2 values per margin; 32 rows keep the files small and still
take every branch the case's rows take, missing values and categories included). Run by
tests/gen/generate.sh after make_contrib_vectors.py, once per pinned environment.

Layout written: one line per row, XGBoost's (rows, groups, features + 1, features + 1)
flattened, named by the case's "interactions" entry ({"file", "shape", "library_shape"}),
a key of its own beside "outputs": the suites that go through every output of a case
(bindings, server, worker) score all input rows, and these are the first ROWS only.
Cases XGBoost refuses (gblinear's zero matrix has another shape; multi-target trees
before 3.3) get a note saying what XGBoost said instead of a vector.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_contrib_vectors import read_rows  # noqa: E402
from make_vectors import short_error, write_csv  # noqa: E402

ROWS = 32


def note(case, text):
    case["notes"] = "; ".join(filter(None, [case.get("notes"), text]))


def interactions(case, out):
    bst = xgb.Booster(model_file=os.path.join(out, case["model"]))
    if bst.save_config().find('"name":"gblinear"') >= 0:
        # XGBoost returns zeros of shape (rows, features, features) for gblinear: no bias
        # column, no values; polyscore refuses it rather than copy that.
        raise ValueError("gblinear: XGBoost returns a zero matrix without the bias column")
    X = read_rows(os.path.join(out, case["input"]), case["dtype"])[:ROWS]
    types = bst.feature_types
    cat = types is not None and "c" in types
    d = xgb.DMatrix(X, missing=np.nan, feature_types=types if cat else None, enable_categorical=cat)
    begin, end = case["iteration_begin"], case["iteration_end"]
    if begin > 0:
        note(case, "interactions output made with booster[begin:end].predict(pred_interactions=True): "
                   "xgboost refuses (gbtree) or ignores (dart) iteration_begin > 0 for them")
        return bst[begin:end].predict(d, pred_interactions=True)
    kw = {"iteration_range": (0, end)} if end else {}
    return bst.predict(d, pred_interactions=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    path = os.path.join(a.out, "manifest.json")
    with open(path) as f:
        manifest = json.load(f)
    done = 0
    for case in manifest["cases"]:
        if (case["library"], case["library_version"]) != ("xgboost", xgb.__version__):
            continue
        if "margin" not in case["outputs"]:
            continue
        try:
            arr = np.asarray(interactions(case, a.out))
        except Exception as e:  # noqa: BLE001 - the library's refusal is the finding
            note(case, f"interactions output not available: xgboost says: {short_error(e).splitlines()[0]}")
            continue
        rel = f"data/{case['name']}.interactions.csv"
        shape = write_csv(os.path.join(a.out, rel), arr)
        case["interactions"] = {"file": rel, "shape": shape, "library_shape": [int(s) for s in arr.shape]}
        done += 1
    with open(path, "w", newline="\n") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"interactions outputs for {done} cases of xgboost {xgb.__version__}")


if __name__ == "__main__":
    main()
