"""Makes the per-row offset (base_margin) vectors in tests/vectors/offsets/.

Each case is a model trained with per-row offsets and scored by the real library with
other offsets on other rows:
  - XGBoost: trained and scored with DMatrix(base_margin=...) (binary:logistic,
    count:poisson with log(exposure), multi:softprob with one offset per class, and a
    gblinear reg:gamma): Booster.predict, output_margin=True and pred_contribs=True.
    XGBoost starts each margin from the row's base_margin instead of base_score.
  - LightGBM (Poisson with init_score=log(exposure)): its predict takes no offset, so
    the outputs are what its users compute by hand: raw_score + init_score, exp() of
    that, and pred_contrib with init_score added to the bias column.
XGBoost tree cases also get pred_interactions=True (the bias entry takes the offset).
Run by tests/gen/generate.sh in its pinned environments: "new" (xgboost 3.2.0,
lightgbm 4.7.0) writes the xgb3_/lgb4_ cases, "old" (xgboost 1.7.6, lightgbm 3.3.5)
the xgb1_/lgb3_ cases and "xgb34" (xgboost 3.4.1, no lightgbm) the xgb34_ cases, from the
same seeds; each run replaces its own cases in the manifest and keeps the others'.

Written: offsets/manifest.json; per case a model, the input rows X (float32 values,
written exactly, so float32 and float64 input score alike), the offsets (one line per
row, one value per margin) and the outputs, one line per row.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb

try:
    import lightgbm as lgb
except ImportError:  # the xgb34 environment of generate.sh has XGBoost only
    lgb = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_vectors import write_csv, xgb_prefix  # noqa: E402

ROWS_TRAIN, ROWS_TEST, FEATURES = 400, 40, 5


def make_rows(rng, n):
    X = rng.normal(size=(n, FEATURES)).astype(np.float32)
    X[rng.random(size=X.shape) < 0.1] = np.nan  # missing values take the default branches
    X[0, :] = np.nan
    return X


def exposure_offsets(rng, n):
    return np.log(rng.uniform(0.2, 5.0, size=n))  # log(exposure), as in a rate model


def case_entry(name, library, objective, model, dims, outputs):
    return {"name": name, "library": library,
            "library_version": xgb.__version__ if library == "xgboost" else lgb.__version__,
            "model": "models/" + model, "objective": objective, "num_features": FEATURES,
            "num_margins": dims, "input": "data/%s.X.csv" % name,
            "base_margin": "data/%s.base_margin.csv" % name, "outputs": outputs}


def write_outputs(out, name, arrays):
    outputs = {}
    for kind, arr in arrays.items():
        path = "data/%s.%s.csv" % (name, kind)
        outputs[kind] = {"file": path, "shape": write_csv(os.path.join(out, path), arr)}
    return outputs


def xgb_case(out, rng, name, params, label_of, offsets_of, rounds=12):
    X_train, X_test = make_rows(rng, ROWS_TRAIN), make_rows(rng, ROWS_TEST)
    m_train, m_test = offsets_of(ROWS_TRAIN), offsets_of(ROWS_TEST)
    y = label_of(X_train, m_train)
    dtrain = xgb.DMatrix(X_train, label=y, base_margin=m_train, missing=np.nan)
    bst = xgb.train(dict(params, seed=0, nthread=1), dtrain, num_boost_round=rounds)
    model = name + ".json"
    bst.save_model(os.path.join(out, "models", model))
    dtest = xgb.DMatrix(X_test, base_margin=m_test, missing=np.nan)
    arrays = {"value": bst.predict(dtest), "margin": bst.predict(dtest, output_margin=True)}
    # XGBoost 3.3+ computes them with QuadratureTreeSHAP (vector leaves too), which
    # polyscore repeats for the files 3.3+ writes.
    arrays["contrib"] = bst.predict(dtest, pred_contribs=True)
    if params.get("booster") != "gblinear":  # gblinear has no inplace_predict, no interactions
        arrays["interactions"] = bst.predict(dtest, pred_interactions=True)
    if params.get("booster") != "gblinear":
        # inplace_predict takes base_margin too; it must agree with the DMatrix path.
        inplace = bst.inplace_predict(X_test, base_margin=m_test, predict_type="margin")
        assert np.array_equal(inplace.reshape(arrays["margin"].shape), arrays["margin"]), name
    write_csv(os.path.join(out, "data/%s.X.csv" % name), X_test)
    write_csv(os.path.join(out, "data/%s.base_margin.csv" % name), m_test)
    dims = 1 if m_test.ndim == 1 else m_test.shape[1]
    return case_entry(name, "xgboost", params["objective"], model, dims, write_outputs(out, name, arrays))


def lgb_poisson_case(out, rng, name):
    X_train, X_test = make_rows(rng, ROWS_TRAIN), make_rows(rng, ROWS_TEST)
    m_train, m_test = exposure_offsets(rng, ROWS_TRAIN), exposure_offsets(rng, ROWS_TEST)
    rate = np.exp(0.4 * np.nan_to_num(X_train[:, 0]) - 0.3 * np.nan_to_num(X_train[:, 1]))
    y = rng.poisson(rate * np.exp(m_train))
    data = lgb.Dataset(X_train, label=y, init_score=m_train)
    params = {"objective": "poisson", "num_leaves": 7, "min_data_in_leaf": 5, "verbose": -1,
              "seed": 0, "num_threads": 1, "deterministic": True}
    bst = lgb.train(params, data, num_boost_round=15)
    model = name + ".txt"
    bst.save_model(os.path.join(out, "models", model))
    raw = bst.predict(X_test, raw_score=True) + m_test
    contrib = bst.predict(X_test, pred_contrib=True)
    contrib[:, -1] += m_test
    arrays = {"value": np.exp(raw), "margin": raw, "contrib": contrib}
    write_csv(os.path.join(out, "data/%s.X.csv" % name), X_test)
    write_csv(os.path.join(out, "data/%s.base_margin.csv" % name), m_test)
    entry = case_entry(name, "lightgbm", "poisson", model, 1, write_outputs(out, name, arrays))
    entry["notes"] = ("lightgbm's predict takes no offset: margin = predict(raw_score=True) + init_score, "
                      "value = numpy exp(margin), contrib = pred_contrib with init_score added to the bias")
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors")
    out = os.path.join(ap.parse_args().out, "offsets")
    xgb_name = xgb_prefix(xgb.__version__) + "_"
    for sub in ("models", "data"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    rng = np.random.default_rng(15)
    tree = {"max_depth": 3, "eta": 0.3}

    def binary_labels(X, m):
        return (np.nan_to_num(X[:, 0]) + m + rng.normal(scale=0.5, size=len(m)) > 0).astype(np.float32)

    def poisson_labels(X, m):
        return rng.poisson(np.exp(0.5 * np.nan_to_num(X[:, 0]) + m)).astype(np.float32)

    def gamma_labels(X, m):
        return rng.gamma(2.0, np.exp(0.3 * np.nan_to_num(X[:, 2]) + m) / 2.0).astype(np.float32)

    def class_labels(X, m):
        return np.argmax(m + np.nan_to_num(X[:, :3]), axis=1).astype(np.float32)

    cases = [
        xgb_case(out, rng, xgb_name + "offset_binary", dict(tree, objective="binary:logistic"), binary_labels,
                 lambda n: rng.normal(size=n)),
        xgb_case(out, rng, xgb_name + "offset_poisson", dict(tree, objective="count:poisson"), poisson_labels,
                 lambda n: exposure_offsets(rng, n)),
        xgb_case(out, rng, xgb_name + "offset_softprob", dict(tree, objective="multi:softprob", num_class=3),
                 class_labels, lambda n: rng.normal(size=(n, 3))),
        xgb_case(out, rng, xgb_name + "offset_gblinear_gamma",
                 {"booster": "gblinear", "objective": "reg:gamma", "eta": 0.5}, gamma_labels,
                 lambda n: exposure_offsets(rng, n), rounds=8),
    ]
    if tuple(int(p) for p in xgb.__version__.split(".")[:2]) >= (3, 4):  # vector leaves with offsets
        cases.append(xgb_case(out, rng, xgb_name + "offset_softprob_multi_output_tree",
                              dict(tree, objective="multi:softprob", num_class=3, multi_strategy="multi_output_tree"),
                              class_labels, lambda n: rng.normal(size=(n, 3))))
    if lgb is not None:  # last: it draws from rng after the XGBoost cases
        cases.append(lgb_poisson_case(out, rng, "lgb%s_offset_poisson" % lgb.__version__.split(".")[0]))
    path = os.path.join(out, "manifest.json")
    if os.path.exists(path):  # keep the other environment's cases; replace ours in place
        with open(path) as f:
            old = json.load(f)["cases"]
        made = {c["name"]: c for c in cases}
        cases = [made.pop(c["name"], c) for c in old] + [c for c in cases if c["name"] in made]
    with open(path, "w", newline="\n") as f:
        json.dump({"cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")
    print("offsets: %d cases in %s" % (len(cases), out))


if __name__ == "__main__":
    main()
