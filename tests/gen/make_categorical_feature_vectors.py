#!/usr/bin/env python3
"""Writes tests/vectors/categorical_features.json: for each model below, the features its
splits test as categories, read straight from the model file, which every binding's
categorical-features test (ps_model_feature_categorical) expects.

Stdlib only, no polyscore: the split types are read as the training libraries wrote them,
XGBoost JSON `split_type` 1 at `split_indices` (internal nodes only), LightGBM text
`decision_type` bit 0 at `split_feature` (tests/vectors/README.md, "Facts checked").
tests/core/test_feature_categorical.cc reads every model file the same way on its own.

Run after the models exist (tests/gen/generate.sh does, last); deterministic. Output:
  {"cases": [{"model": "models/...", "categorical_features": [1, 3]}, ...]}
sorted by model, paths relative to tests/vectors, features ascending ([] for none).
Usage: make_categorical_feature_vectors.py --out tests/vectors
"""
import argparse
import json
import os
import sys

# Categorical models with and without the training categories, in every writer's layout,
# and numeric-only ones.
MODELS = [
    "models/xgb1_categorical_multi_softprob.json",   # XGBoost 1.7: saves no category lists at all
    "models/xgb1_categorical_onehot.json",
    "models/xgb1_categorical_partition.json",
    "models/xgb3_categorical_multi_softprob.json",   # XGBoost 3.2 on arrays: no lists
    "models/xgb3_categorical_onehot.json",
    "models/xgb3_categorical_partition.json",
    "models/xgb34_categorical_multi_output_tree.json",  # one tree for all targets
    "models/xgb34_categorical_multi_softprob.json",
    "models/xgb34_categorical_onehot.json",
    "models/xgb34_categorical_partition.json",      # XGBoost 3.4 on arrays: no lists
    "models/lgb20_categorical.txt",                 # LightGBM 2.x: version=v2 files
    "models/lgb21_categorical.txt",
    "models/lgb22_categorical.txt",
    "models/lgb3_categorical.txt",
    "models/lgb3_categorical_binary.txt",
    "models/lgb4_categorical.txt",                  # LightGBM on arrays: pandas_categorical:null
    "models/lgb4_categorical_binary.txt",
    "frames/xgb1_frame_binary.json",                # XGBoost 1.7 on a DataFrame: no lists
    "frames/xgb3_frame_binary.json",                # XGBoost 3.2 with its training categories
    "frames/xgb34_frame_binary.json",               # XGBoost 3.4 with its training categories
    "frames/lgb4_frame_binary.txt",                 # LightGBM with pandas_categorical lists
    "models/xgb34_binary_logistic.json",            # numeric only
    "models/xgb34_dart.json",                       # numeric only; DART keeps its trees in gbtree
    "models/lgb4_binary.txt",                       # numeric only
]

# What some cases must come out as, so that a reading that finds nothing (or everything)
# cannot pass unseen: the features the training code made categorical.
KNOWN = {
    "models/xgb34_categorical_partition.json": [1, 3],
    "models/xgb3_categorical_multi_softprob.json": [0],
    "models/lgb3_categorical_binary.txt": [0],
    "models/xgb34_binary_logistic.json": [],
    "models/xgb34_dart.json": [],
    "models/lgb4_binary.txt": [],
}


def xgboost_categorical_splits(path):
    with open(path) as f:
        booster = json.load(f)["learner"]["gradient_booster"]  # bare NaN/Infinity parse
    if booster["name"] == "gblinear":
        return set()
    trees = (booster["gbtree"] if booster["name"] == "dart" else booster)["model"]["trees"]
    return {tree["split_indices"][i]
            for tree in trees
            for i, left in enumerate(tree["left_children"])
            if left != -1 and tree["split_type"][i] == 1}


def lightgbm_categorical_splits(path):
    out, features = set(), []
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("split_feature="):
                features = [int(v) for v in line[len("split_feature="):].split()]
            elif line.startswith("decision_type="):
                types = [int(v) for v in line[len("decision_type="):].split()]
                if len(types) != len(features):
                    sys.exit(f"{path}: decision_type has {len(types)} values, split_feature {len(features)}")
                out.update(f for f, t in zip(features, types) if t & 1)
    return out


def categorical_features(vectors, rel):
    path = os.path.join(vectors, rel)
    splits = xgboost_categorical_splits if rel.endswith(".json") else lightgbm_categorical_splits
    return sorted(splits(path))


def cases(vectors):
    out = [{"model": rel, "categorical_features": categorical_features(vectors, rel)} for rel in sorted(MODELS)]
    found = {c["model"]: c["categorical_features"] for c in out}
    wrong = {rel: found[rel] for rel, want in KNOWN.items() if found[rel] != want}
    if wrong:
        sys.exit(f"categorical features not as trained: {wrong}")
    return out


def dumps(cases):
    """One case a line: readable diffs, the same bytes on every run."""
    lines = ["  " + json.dumps(c, separators=(", ", ": ")) for c in cases]
    return '{"cases": [\n' + ",\n".join(lines) + "\n]}\n"


FILE = "categorical_features.json"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="tests/vectors (reads the models there, writes " + FILE + ")")
    args = ap.parse_args()
    with open(os.path.join(args.out, FILE), "w", newline="\n") as f:
        f.write(dumps(cases(args.out)))


if __name__ == "__main__":
    main()
