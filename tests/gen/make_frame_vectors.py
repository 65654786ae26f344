#!/usr/bin/env python3
"""Vectors for pandas DataFrame input: models trained on DataFrames with categorical
columns, and the training library's own predictions on DataFrames whose categories
differ from the training ones (another order, unseen values, missing values).

Run in each pinned venv of tests/gen/generate.sh (pandas added); writes
tests/vectors/frames/<prefix>_<key>.{txt,json,ubj} (the model) and <prefix>_<key>.case.json:

  {"library", "library_version", "models": [the model's files: XGBoost's JSON and UBJSON],
   "columns": [training order],
   "frame": {column: {"kind": "float" | "bool" | "category", "values": [...],
                      "categories": [...] (category columns: the predict frame's own order)}},
   "value": [...], "margin": [...]}
  or, where the library refused the frame, "refused": {"type": exception class, "message": str}
  and no "value"/"margin".

Missing values are null; LightGBM's frame also holds categories training never saw
(LightGBM scores them as missing). The library scores the frame in the training column order
(neither library reorders columns); the binding's test hands polyscore the columns in
another order.

LightGBM's file ends with the training frame's category lists ("pandas_categorical:[[...],...]"),
"[]" when it was trained on a DataFrame without categorical columns, "null" when trained on
arrays. Two more LightGBM cases, from the same training rows with each category replaced by
its training code, score the same predict frame: <prefix>_frame_null (trained on an array:
LightGBM codes the frame's categorical columns by the frame's own categories) and
<prefix>_frame_empty (trained on a DataFrame of codes: LightGBM refuses a frame with
categorical columns, "train and valid dataset categorical_feature do not match").
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import pandas as pd

try:
    import xgboost as xgb
except ImportError:
    xgb = None
try:
    import lightgbm as lgb
except ImportError:
    lgb = None

MERCHANTS = ["grocery", "travel", "games", "fuel", "pharmacy", "jewelry", "cash", "hotel"]
COUNTRIES = ["FR", "DE", "US", "BR", "JP"]
CHANNELS = [1, 2, 4, 8]  # integer categories

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_vectors import xgb_prefix  # noqa: E402


def training_frame(rng, n):
    df = pd.DataFrame({
        "amount": np.round(rng.gamma(2.0, 40.0, size=n), 2),
        "merchant": pd.Categorical(rng.choice(MERCHANTS, n), categories=MERCHANTS),
        "age days": rng.integers(0, 3000, size=n),  # a space: LightGBM saves "age_days"
        "country": pd.Categorical(rng.choice(COUNTRIES, n), categories=COUNTRIES),
        "channel": pd.Categorical(rng.choice(CHANNELS, n), categories=CHANNELS),
        "night": rng.random(n) < 0.3,
    })
    df.loc[rng.random(n) < 0.05, "amount"] = np.nan
    risky = df["merchant"].isin(["jewelry", "cash", "games"]).to_numpy()
    score = (0.01 * np.nan_to_num(df["amount"].to_numpy(), nan=80.0) + 1.5 * risky
             + 0.8 * (df["country"] == "BR").to_numpy() - 0.0004 * df["age days"].to_numpy()
             + 0.7 * df["night"].to_numpy() + 0.5 * (df["channel"] == 4).to_numpy())
    y = (score + rng.normal(0, 0.5, size=n) > 1.8).astype(float)
    return df, y


def predict_frame(rng, n, unseen):
    """Categories in another order, with missing values and (unseen=True) values training
    never saw. XGBoost 3.x refuses unseen categories ("Found a category not in the
    training set"), so its frame has none."""
    merchants = ["hotel", "cash", "grocery", "fuel", "travel", "games", "jewelry", "pharmacy"]
    countries = ["US", "JP", "FR", "BR", "DE"]
    channels = [8, 4, 2, 1]
    if unseen:
        merchants.insert(2, "lottery")
        countries.insert(3, "XX")
        channels.insert(2, 3)
    m = rng.choice(merchants, n).astype(object)
    c = rng.choice(countries, n).astype(object)
    ch = rng.choice(channels, n).astype(object)
    for arr in (m, c, ch):
        arr[rng.random(n) < 0.08] = None
    df = pd.DataFrame({
        "amount": np.round(rng.gamma(2.0, 40.0, size=n), 2),
        "merchant": pd.Categorical(m, categories=merchants),
        "age days": rng.integers(0, 3000, size=n),
        "country": pd.Categorical(c, categories=countries),
        "channel": pd.Categorical(ch, categories=channels),
        "night": rng.random(n) < 0.3,
    })
    df.loc[rng.random(n) < 0.1, "amount"] = np.nan
    return df


def frame_json(df):
    out = {}
    for name in df.columns:
        col = df[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[name] = {"kind": "category", "categories": [v.item() if hasattr(v, "item") else v
                                                             for v in col.cat.categories],
                         "values": [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                                    for v in col]}
        elif col.dtype == bool:
            out[name] = {"kind": "bool", "values": [bool(v) for v in col]}
        else:
            out[name] = {"kind": "float", "values": [None if np.isnan(v) else float(v) for v in col]}
    return out


def write_case(out, name, library, version, model_files, df, value=None, margin=None, refused=None):
    """refused: the exception the library raised on df instead of value and margin."""
    case = {"library": library, "library_version": version, "models": model_files,
            "columns": list(df.columns), "frame": frame_json(df)}
    if refused is None:
        case["value"] = np.asarray(value, dtype=np.float64).tolist()
        case["margin"] = np.asarray(margin, dtype=np.float64).tolist()
    else:
        case["refused"] = {"type": type(refused).__name__, "message": str(refused)}
    with open(os.path.join(out, name + ".case.json"), "w", newline="\n") as f:
        json.dump(case, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("case", name, len(df), "rows")


def training_codes(train):
    """The training frame with each categorical column replaced by its training code."""
    codes = train.copy()
    for c in codes.columns:
        if isinstance(codes[c].dtype, pd.CategoricalDtype):
            codes[c] = codes[c].cat.codes.astype(np.float64).replace(-1, np.nan)
    return codes.astype(np.float64)


def lightgbm_without_saved_lists(out, prefix, params, train, y, test):
    """The two models whose file saves no category lists, trained on the same rows as
    codes, and what LightGBM does with a frame that has categorical columns."""
    codes = training_codes(train)
    cat_names = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
    cat_index = [list(train.columns).index(c) for c in cat_names]

    name = prefix + "_frame_null"  # trained on an array: pandas_categorical:null
    data = lgb.Dataset(codes.to_numpy(), label=y, feature_name=list(train.columns),
                       categorical_feature=cat_index)
    bst = lgb.train(params, data, num_boost_round=15)
    bst.save_model(os.path.join(out, name + ".txt"))
    write_case(out, name, "lightgbm", lgb.__version__, [name + ".txt"], test,
               bst.predict(test), bst.predict(test, raw_score=True))

    name = prefix + "_frame_empty"  # trained on a frame without categorical columns: []
    data = lgb.Dataset(codes, label=y, categorical_feature=cat_names)
    bst = lgb.train(params, data, num_boost_round=15)
    bst.save_model(os.path.join(out, name + ".txt"))
    try:
        bst.predict(test)
    except Exception as e:  # noqa: BLE001 -- the refusal is what the case records
        write_case(out, name, "lightgbm", lgb.__version__, [name + ".txt"], test, refused=e)
    else:
        raise SystemExit(name + ": lightgbm scored a frame with categorical columns")


def major(module):
    return int(re.findall(r"\d+", module.__version__)[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors/frames")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261204)
    train, y = training_frame(rng, 1500)
    if lgb is not None:
        name = "lgb%d_frame_binary" % major(lgb)
        params = {"objective": "binary", "num_leaves": 12, "learning_rate": 0.2, "num_threads": 1,
                  "seed": 3, "deterministic": True, "force_col_wise": True, "verbose": -1,
                  "min_data_per_group": 10, "cat_smooth": 1.0, "max_cat_to_onehot": 4}
        bst = lgb.train(params, lgb.Dataset(train, label=y), num_boost_round=15)
        test = predict_frame(np.random.default_rng(1), 120, unseen=True)
        bst.save_model(os.path.join(out, name + ".txt"))
        write_case(out, name, "lightgbm", lgb.__version__, [name + ".txt"], test,
                   bst.predict(test), bst.predict(test, raw_score=True))
        lightgbm_without_saved_lists(out, "lgb%d" % major(lgb), params, train, y, test)
    if xgb is not None:
        name = xgb_prefix(xgb.__version__) + "_frame_binary"
        params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1,
                  "tree_method": "hist", "max_cat_to_onehot": 4, "seed": 3}
        bst = xgb.train(params, xgb.DMatrix(train, label=y, enable_categorical=True), num_boost_round=15)
        test = predict_frame(np.random.default_rng(2), 120, unseen=False)
        bst.save_model(os.path.join(out, name + ".json"))
        bst.save_model(os.path.join(out, name + ".ubj"))
        dm = xgb.DMatrix(test, enable_categorical=True)
        write_case(out, name, "xgboost", xgb.__version__, [name + ".json", name + ".ubj"], test,
                   bst.predict(dm), bst.predict(dm, output_margin=True))


if __name__ == "__main__":
    main()
