#!/usr/bin/env python3
"""Sanity-check tests/vectors/manifest.json against the files (stdlib only).

Checks: unique names, required keys, files exist, CSV shapes match the
manifest, every value parses with float() (leaf: int()), model formats; and that
categorical_features.json is what make_categorical_feature_vectors.py reads from the
model files now.
Usage: python3 tests/gen/check_vectors.py [tests/vectors]
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_categorical_feature_vectors as categorical  # noqa: E402

REQ = ["name", "library", "library_version", "model", "format", "objective", "num_features", "input", "dtype",
       "iteration_begin", "iteration_end", "outputs", "library_shape"]
OUTPUT_KINDS = {"value", "margin", "leaf", "contrib"}


def read_csv(path, conv):
    with open(path) as f:
        return [[conv(x) for x in line.rstrip("\n").split(",")] for line in f]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "vectors")
    with open(os.path.join(root, "manifest.json")) as f:
        cases = json.load(f)["cases"]
    errors, names = [], set()
    for c in cases:
        n = c.get("name", "?")
        miss = [k for k in REQ if k not in c]
        if miss:
            errors.append(f"{n}: missing {miss}")
            continue
        if not re.fullmatch(r"[a-z0-9_]+", n) or n in names:
            errors.append(f"{n}: bad or duplicate name")
        names.add(n)
        if c["library"] not in ("xgboost", "lightgbm"):
            errors.append(f"{n}: library {c['library']}")
        if c["format"] not in ("xgboost-json", "xgboost-ubjson", "lightgbm-text"):
            errors.append(f"{n}: format {c['format']}")
        if c["dtype"] not in ("float64", "float32"):
            errors.append(f"{n}: dtype {c['dtype']}")
        if not os.path.isfile(os.path.join(root, c["model"])):
            errors.append(f"{n}: model file missing")
        X = read_csv(os.path.join(root, c["input"]), float)
        if any(len(r) != c["num_features"] for r in X):
            errors.append(f"{n}: input width != num_features")
        for kind, o in c["outputs"].items():
            rows = read_csv(os.path.join(root, o["file"]), int if kind == "leaf" else float)
            shape = [len(rows), len(rows[0]) if rows else 0]
            if shape != o["shape"] or any(len(r) != shape[1] for r in rows) or shape[0] != len(X):
                errors.append(f"{n}: {kind} shape {shape} vs manifest {o['shape']} / {len(X)} input rows")
            ls = c["library_shape"].get(kind)
            if ls is None or ls[0] != shape[0]:
                errors.append(f"{n}: library_shape for {kind} is {ls}")
        # Interaction values (make_interaction_vectors.py): the first rows of the input.
        if "interactions" in c:
            o = c["interactions"]
            rows = read_csv(os.path.join(root, o["file"]), float)
            shape = [len(rows), len(rows[0]) if rows else 0]
            ls = o.get("library_shape")
            if (shape != o["shape"] or any(len(r) != shape[1] for r in rows) or not 0 < shape[0] <= len(X)
                    or ls is None or ls[0] != shape[0]):
                errors.append(f"{n}: interactions shape {shape} vs manifest {o['shape']} / {len(X)} input rows")
        kinds = set(c["outputs"])
        if kinds - OUTPUT_KINDS:
            errors.append(f"{n}: unknown output kinds {sorted(kinds - OUTPUT_KINDS)}")
        # contrib is optional (not every library or model gives it); the others are not.
        if not {"value", "margin", "leaf"} <= kinds and "notes" not in c:
            errors.append(f"{n}: output kinds missing without notes")
    with open(os.path.join(root, categorical.FILE)) as f:
        if f.read() != categorical.dumps(categorical.cases(root)):
            errors.append(f"{categorical.FILE} is stale: rerun tests/gen/make_categorical_feature_vectors.py")
    for e in errors:
        print("ERROR", e)
    libs = sorted({(c["library"], c["library_version"]) for c in cases})
    print(f"{len(cases)} cases checked for {libs}: {len(errors)} errors")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
