"""Interleaved A/B of polyscore's one-row call between builds and environments, in one run.

Variants as in batch_ab.py (a directory holding ps_bench and its libpolyscore.so.1, plus
environment switches). Every repeat starts one `ps_bench serve` per variant, in turn,
and times `row` (ps_model_predict_row, each call timed, rows of X64 rolling) on each
model; prints the fastest call and the p50, median (min-max) over the repeats, in µs.

    python3 bench/experiments/row_ab.py --models DIR --calls 20000 --reps 5 \
        --variant old=build-old --variant new=build-new \
        --variant new-avx2=build-new:POLYSCORE_NO_AVX512=1 lgb_reg.txt
"""
import argparse
import json
import os
import statistics
import subprocess

from batch_ab import parse_variant


def run_once(libdir, env, models_dir, models, calls):
    cmds = [f"data 0 {models_dir}/X64.npy"]
    cmds += [f"model {i} {models_dir}/{m}" for i, m in enumerate(models)]
    cmds += [f"row {i} 0 {calls}" for i in range(len(models))]
    out = subprocess.run([os.path.join(libdir, "ps_bench"), "serve"], input="\n".join(cmds + ["quit"]) + "\n",
                         capture_output=True, text=True, env=env, check=True).stdout
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    rows = [a for a in answers if "p50_ns" in a]
    if len(rows) != len(models):
        raise SystemExit(f"ps_bench answered {answers}")
    return [(a["min_ns"] / 1000, a["p50_ns"] / 1000) for a in rows]


def summary(v):
    return f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--variant", action="append", required=True, help="NAME=DIR[:VAR=VALUE,...]")
    ap.add_argument("model", nargs="+")
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    with open("/proc/loadavg") as f:
        print("load before:", f.read().split()[:3])
    results = {}
    for _ in range(args.reps):
        for name, libdir, env in variants:
            for model, got in zip(args.model, run_once(libdir, env, args.models, args.model, args.calls)):
                results.setdefault((model, name), []).append(got)
    with open("/proc/loadavg") as f:
        print("load after:", f.read().split()[:3])
    for model in args.model:
        for name, _, _ in variants:
            v = results[(model, name)]
            print(f"{model} {name}: fastest {summary([x[0] for x in v])} µs, p50 {summary([x[1] for x in v])} µs; "
                  f"runs (fastest/p50) {' '.join(f'{a:.2f}/{b:.2f}' for a, b in v)}")


if __name__ == "__main__":
    main()
