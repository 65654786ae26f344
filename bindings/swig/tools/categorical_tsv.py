#!/usr/bin/env python3
"""Turns tests/vectors/categorical_features.json (the features each model's splits test
as categories, made by tests/gen/make_categorical_feature_vectors.py) into tab-separated
lines for the Tcl test, which has no JSON reader: the model's path (relative to
tests/vectors) and its categorical features, space-separated ("" for none).
Usage: categorical_tsv.py VECTORS_DIR OUT"""
import json
import os
import sys

vectors, out = sys.argv[1], sys.argv[2]
with open(os.path.join(vectors, "categorical_features.json")) as f:
    cases = json.load(f)["cases"]
with open(out, "w") as f:
    for c in cases:
        f.write("%s\t%s\n" % (c["model"], " ".join(str(j) for j in c["categorical_features"])))
