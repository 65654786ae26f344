#!/usr/bin/env python3
"""Why LightGBM's category lists keep PS_CATEGORY_FEATURE_UNKNOWN (docs/categories.md).

LightGBM's Python package saves one list per pandas categorical column of the training
DataFrame ("pandas_categorical:"), in column order, and pairs list i with the i-th
categorical column of the frame it predicts on. Its model file records which features are
categorical (feature_infos, [categorical_feature: ...]) but not which columns had a
categorical dtype, and the two differ: an ordered categorical is a list but a numerical
feature, and an explicit categorical_feature replaces 'auto' (lightgbm.basic._data_from_pandas).

This trains two models whose files are byte for byte the same although the one list belongs
to feature "b" in the first and to feature "a" in the second, so no rule that reads the
file can pair lists with features without mis-pairing one of them. Exits 1 if the files
differ (a LightGBM that records more would make the pairing decidable).

Run with a Python that has lightgbm (checked with 4.7.0), numpy and pandas.
"""
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
n = 600
cats = ["u", "v", "w", "x", "y", "z"]
a_codes = rng.integers(0, 6, n)
b_codes = rng.integers(0, 6, n)
y = (b_codes % 2).astype(int)
params = {"objective": "binary", "verbose": -1, "num_leaves": 4, "min_data_in_leaf": 5,
          "min_data_per_group": 5, "cat_smooth": 1}


def model(df, **kwargs):
    return lgb.train(params, lgb.Dataset(df, y, **kwargs), num_boost_round=3).model_to_string()


# b is a pandas categorical, so 'auto' makes it the categorical feature: the list is b's.
first = model(pd.DataFrame({"a": a_codes, "b": pd.Categorical.from_codes(b_codes, cats)}))
# a is a pandas categorical, b integer codes the user names categorical: the list is a's.
second = model(pd.DataFrame({"a": pd.Categorical.from_codes(a_codes, cats), "b": b_codes}),
               categorical_feature=["b"])
print("lightgbm", lgb.__version__)
print([line for line in first.splitlines() if line.startswith(("feature_infos", "[categorical_feature"))])
print(first.strip().splitlines()[-1])
print("files identical:", first == second)
sys.exit(0 if first == second else 1)
