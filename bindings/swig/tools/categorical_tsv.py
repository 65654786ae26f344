#!/usr/bin/env python3
"""Writes the categorical_features tests' expectations for the Perl, Tcl and Ruby tests:
one line per model, its path (relative to tests/vectors) and the features its splits test
as categories, read straight from the file (XGBoost JSON split_type 1 at split_indices;
LightGBM text decision_type bit 0 at split_feature, as tests/core/test_feature_categorical.cc
reads them), space-separated and ascending ("" for none).
Usage: categorical_tsv.py VECTORS_DIR OUT"""
import json
import pathlib
import sys

# Categorical models with and without the training categories, and numeric-only ones.
MODELS = [
    "models/xgb34_categorical_partition.json",    # features 1 and 3; XGBoost 3.4 on arrays: no lists
    "models/xgb3_categorical_multi_softprob.json",  # feature 0; XGBoost 3.2 on arrays: no lists
    "models/xgb1_categorical_onehot.json",        # XGBoost 1.7: no category lists at all
    "models/lgb4_categorical.txt",                # LightGBM on arrays: pandas_categorical:null
    "models/lgb3_categorical_binary.txt",         # feature 0
    "frames/xgb34_frame_binary.json",             # with its training categories
    "frames/lgb4_frame_binary.txt",               # with pandas_categorical lists
    "models/xgb34_binary_logistic.json",          # numeric only
    "models/lgb4_binary.txt",                     # numeric only
]


def xgboost_categorical_splits(path):
    booster = json.loads(path.read_text())["learner"]["gradient_booster"]  # NaN/Infinity parse
    trees = (booster["gbtree"] if booster["name"] == "dart" else booster)["model"]["trees"]
    return {tree["split_indices"][i]
            for tree in trees
            for i, left in enumerate(tree["left_children"])
            if left != -1 and tree["split_type"][i] == 1}


def lightgbm_categorical_splits(path):
    out, features = set(), []
    for line in path.read_text().splitlines():
        if line.startswith("split_feature="):
            features = [int(v) for v in line[len("split_feature="):].split()]
        elif line.startswith("decision_type="):
            types = [int(v) for v in line[len("decision_type="):].split()]
            if len(types) != len(features):
                sys.exit("%s: decision_type and split_feature differ in length" % path)
            out.update(f for f, t in zip(features, types) if t & 1)
    return out


vectors, out = pathlib.Path(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    for rel in MODELS:
        path = vectors / rel
        splits = (xgboost_categorical_splits if path.suffix == ".json" else lightgbm_categorical_splits)(path)
        f.write("%s\t%s\n" % (rel, " ".join(str(j) for j in sorted(splits))))
