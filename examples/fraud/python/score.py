#!/usr/bin/env python3
"""Score one transaction with the bundled fraud model (examples/fraud/fraud-v3.json).

    python score.py [AMOUNT_ZSCORE VELOCITY]     (default: 0.4 1.2)

prints the model's fraud probability and the label (fraud when score >= 0.5).
Needs the polyscore package (bindings/python) and libpolyscore.so.1 (POLYSCORE_LIBRARY).
"""
import os
import sys

import polyscore

MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fraud-v3.json")
THRESHOLD = 0.5


def main(argv):
    args = argv[1:] or ["0.4", "1.2"]
    if len(args) != 2:
        print("usage: score.py [AMOUNT_ZSCORE VELOCITY]", file=sys.stderr)
        return 2
    try:
        features = [float(a) for a in args]
    except ValueError as e:
        print("score.py: %s" % e, file=sys.stderr)
        return 2
    try:
        with polyscore.Model.load(MODEL) as model:
            score = float(model.predict_row(features)[0])
    except polyscore.Error as e:
        print("score.py: %s" % e, file=sys.stderr)
        return 1
    print("features: amount_zscore=%r velocity=%r" % tuple(features))
    print("score: %r" % score)
    print("label: %s" % ("fraud" if score >= THRESHOLD else "legit"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
