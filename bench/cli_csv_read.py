#!/usr/bin/env python3
"""The CLI's CSV reading speed, one build against another: CPU time (user + sys, from
os.wait4) of `polyscore predict MODEL --input CSV > /dev/null` for two CLI binaries,
run alternately (the order swapped every round), with the median and range of each and
of the per-round ratio B/A. Use a one-tree model (/work/benchmodels/xgb_tiny.json, made
by bench/make_models.py) so that reading dominates; --make-csv writes a large CSV of
X64.npy's rows (NaN as an empty field), --quote-all the same with every field quoted.

  python bench/cli_csv_read.py --make-csv big.csv [--quote-all] --rows /work/benchmodels/X64.npy
  python bench/cli_csv_read.py OLD/polyscore build/polyscore MODEL big.csv [--rounds 21]
"""
import argparse
import os
import statistics
import subprocess
import sys


def make_csv(path, rows_npy, quote_all):
    import numpy as np
    q = '"' if quote_all else ""
    with open(path, "w") as f:
        for row in np.load(rows_npy):
            f.write(",".join(q + ("" if v != v else repr(float(v))) + q for v in row) + "\n")


def cpu_seconds(cli, model, csv):
    p = subprocess.Popen([cli, "predict", model, "--input", csv], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("%s failed on %s" % (cli, csv))
    return usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("args", nargs="*", help="CLI_A CLI_B MODEL CSV")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--make-csv")
    ap.add_argument("--rows", default="/work/benchmodels/X64.npy")
    ap.add_argument("--quote-all", action="store_true")
    a = ap.parse_args()
    if a.make_csv:
        make_csv(a.make_csv, a.rows, a.quote_all)
        return
    cli_a, cli_b, model, csv = a.args
    cpu_seconds(cli_a, model, csv), cpu_seconds(cli_b, model, csv)  # the page cache
    times = {cli_a: [], cli_b: []}
    for r in range(a.rounds):
        for cli in (cli_a, cli_b) if r % 2 == 0 else (cli_b, cli_a):
            times[cli].append(cpu_seconds(cli, model, csv))
    for cli, t in times.items():
        print("%-40s median %.3f s  range %.3f-%.3f" % (cli, statistics.median(t), min(t), max(t)))
    ratios = [b / a for a, b in zip(times[cli_a], times[cli_b])]
    print("B/A per round: median %.3f  range %.3f-%.3f  (%d rounds, load %s)" % (
        statistics.median(ratios), min(ratios), max(ratios), a.rounds, os.getloadavg()))


if __name__ == "__main__":
    main()
