#!/usr/bin/env python3
"""The least time the training libraries' TreeSHAP arithmetic can take for one row.

XGBoost's and LightGBM's contributions (path-dependent TreeSHAP, which polyscore
reproduces bit for bit) visit every leaf of every tree for every row. At a leaf whose
path holds U distinct features, UnwoundPathSum runs once per path element, U steps each,
and every step divides values that depend on the row: one IEEE division where the row
went the element's way (next_one_portion * (U + 1) / ((i + 1) * one_fraction); the
(U - i) / (U + 1) beside it is a constant per step and is not counted) and two where it
did not. A correctly rounded quotient is what the bits depend on, so an exact row costs
at least sum(U^2) divisions over all leaves, whatever the walk (docs/explain.md, "Why one
row is not under 100 us"). This script counts them in a model file and, given the
divider's best rate on this CPU (bench/experiments/divider_rate, built with
-DPOLYSCORE_BENCH=ON -DPOLYSCORE_BENCH_EXPERIMENTS=ON), prints that floor.

    python3 bench/explain/shap_floor.py MODEL [MODEL ...] --divider-rate build/bench/divider_rate
"""
import argparse
import json
import re
import subprocess
import sys


def xgboost_trees(path):
    """(left, right, feature) arrays of each tree of an XGBoost JSON model (gbtree or dart)."""
    with open(path) as f:
        booster = json.load(f)["learner"]["gradient_booster"]
    model = booster["gbtree"]["model"] if "gbtree" in booster else booster["model"]
    for t in model["trees"]:
        yield t["left_children"], t["right_children"], t["split_indices"], -1


def lightgbm_trees(path):
    """(left, right, feature) arrays of each tree of a LightGBM text model; a child < 0 is a leaf."""
    tree = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Tree=") or line == "end of trees":
                if "left_child" in tree:
                    yield ([int(v) for v in tree["left_child"].split()],
                           [int(v) for v in tree["right_child"].split()],
                           [int(v) for v in tree["split_feature"].split()], None)
                tree = {}
                if line == "end of trees":
                    return
            else:
                key, _, value = line.partition("=")
                if key in ("left_child", "right_child", "split_feature"):
                    tree[key] = value


def leaf_path_sizes(path):
    """U, the number of distinct features on the path, for every leaf of the model."""
    trees = lightgbm_trees(path) if not path.endswith(".json") else xgboost_trees(path)
    for left, right, feature, xgb_leaf in trees:
        stack = [(0, frozenset())]
        while stack:
            node, features = stack.pop()
            is_leaf = node < 0 if xgb_leaf is None else left[node] == xgb_leaf
            if is_leaf:
                yield len(features)
                continue
            below = features | {feature[node]}
            stack.append((left[node], below))
            stack.append((right[node], below))


def divider_rates(binary):
    """{"float": ns, "double": ns}: the fastest rate divider_rate prints for each type."""
    out = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
    rates = {}
    for kind, ns in re.findall(r"^(float|double) ([0-9.]+) ns", out, re.M):
        rates[kind] = min(rates.get(kind, float("inf")), float(ns))
    return rates, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", help="XGBoost .json or LightGBM .txt model files")
    ap.add_argument("--divider-rate", help="path of the divider_rate binary (else counts only)")
    args = ap.parse_args()
    rates = {}
    if args.divider_rate:
        rates, out = divider_rates(args.divider_rate)
        sys.stdout.write(out)
    for path in args.models:
        sizes = list(leaf_path_sizes(path))
        steps = sum(u * u for u in sizes)
        kind = "float" if path.endswith(".json") else "double"  # XGBoost's and LightGBM's arithmetic
        line = "%s: %d leaves, %d path elements, %d unwound steps (divisions at least) per row" % (
            path, len(sizes), sum(sizes), steps)
        if kind in rates:
            floor_us = steps * rates[kind] / 1000
            line += "; %s divisions at %.4f ns: at least %.0f us on one thread, %.0f on two" % (
                kind, rates[kind], floor_us, floor_us / 2)
        print(line)


if __name__ == "__main__":
    main()
