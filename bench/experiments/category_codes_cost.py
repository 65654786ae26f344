#!/usr/bin/env python3
"""CPU cost of reading a model's training categories into CategoryCodes
(src/feature_columns/category_codes.h) through the C ABI, measured through the CLI.

Builds the XGBoost 3.2 frame model (tests/vectors/frames/xgb3_frame_binary.json) with its
merchant list grown to N strings, then runs, interleaved, `polyscore predict` on 10 rows of
numbers only (the CLI reads no lists) and on the same rows with merchant given by its text
(the CLI reads them all at the first text cell). Prints the CPU time (user + sys) of each:
median and range of the repeats, and of the paired differences.

  python3 bench/experiments/category_codes_cost.py [--cli build/polyscore] [-n 200000] [--repeats 21]
"""
import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def grown_model(n, path):
    m = json.loads((ROOT / "tests/vectors/frames/xgb3_frame_binary.json").read_text())
    cats = m["learner"]["gradient_booster"]["model"]["cats"]
    offsets, values = [0], []
    for i in range(n):
        values.extend(("c%07d" % i).encode())
        offsets.append(len(values))
    cats["enc"][1] = {"offsets": offsets, "values": values}  # feature 1, merchant
    seg = cats["feature_segments"]
    counts = [seg[i + 1] - seg[i] for i in range(len(seg) - 1)]
    old = counts[1]
    counts[1] = n
    cats["feature_segments"] = [0] + [sum(counts[:i + 1]) for i in range(len(counts))]
    cats["sorted_idx"] = list(range(n)) + cats["sorted_idx"][old:]  # the names sort as numbered
    path.write_text(json.dumps(m))


def cpu(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default=str(ROOT / "build" / "polyscore"))
    p.add_argument("-n", type=int, default=200000)
    p.add_argument("--repeats", type=int, default=21)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        grown_model(a.n, tmp / "model.json")
        (tmp / "numbers.csv").write_text("1.5,3,100,2,1,0\n" * 10)
        (tmp / "text.csv").write_text("1.5,c0000003,100,2,1,0\n" * 10)
        run = [a.cli, "predict", str(tmp / "model.json"), "--input"]
        assert subprocess.run(run + [str(tmp / "numbers.csv")], capture_output=True).stdout == \
            subprocess.run(run + [str(tmp / "text.csv")], capture_output=True).stdout
        numbers, text = [], []
        for _ in range(a.repeats):
            numbers.append(cpu(run + [str(tmp / "numbers.csv")]))
            text.append(cpu(run + [str(tmp / "text.csv")]))
    for name, xs in (("numbers only (lists not read)", numbers), ("merchant as text (%d-value list read)" % a.n, text)):
        print("%-44s median %.3f s  range %.3f-%.3f" % (name, statistics.median(xs), min(xs), max(xs)))
    d = sorted(t - n for n, t in zip(numbers, text))
    print("paired difference: median %.3f s  range %.3f-%.3f" % (statistics.median(d), d[0], d[-1]))


if __name__ == "__main__":
    main()
