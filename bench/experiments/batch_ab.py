"""Interleaved A/B of polyscore's batch walk between builds and environments, in one run.

Each variant is a directory holding a ps_bench and the libpolyscore.so.1 it should load
(LD_LIBRARY_PATH), plus environment switches (POLYSCORE_NO_AVX512=1, ...). Every repeat
starts one `ps_bench serve` per variant, in turn, and times `batch` (1 thread, process
CPU time per call) on each model; prints ns of CPU per tree per row, median (min-max).

    python3 bench/experiments/batch_ab.py --models DIR --rows 10000 --reps 7 \
        --variant old=build-old --variant new=build-new \
        --variant old-avx2=build-old:POLYSCORE_NO_AVX512=1 lgb_reg.txt

DIR holds the models and X64.npy (bench/make_models.py writes them); --data Xcat64.npy
for the categorical models (lgb_cat.txt, xgb_cat.json).
"""
import argparse
import json
import os
import statistics
import subprocess


def parse_variant(text):
    name, rest = text.split("=", 1)
    libdir, _, switches = rest.partition(":")
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    for kv in filter(None, switches.split(",")):
        key, value = kv.split("=", 1)
        env[key] = value
    return name, libdir, env


def serve(libdir, env, models_dir, models, commands, data="X64.npy"):
    """Runs one `ps_bench serve` with DIR/data (X64.npy unless told) as data 0 and the models
    as 0, 1, ..., then `commands`; returns its JSON answers."""
    cmds = [f"data 0 {models_dir}/{data}"]
    cmds += [f"model {i} {models_dir}/{m}" for i, m in enumerate(models)]
    out = subprocess.run([os.path.join(libdir, "ps_bench"), "serve"], input="\n".join(cmds + commands + ["quit"]) + "\n",
                         capture_output=True, text=True, env=env, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def interleave(variants, reps, models, measure):
    """{(model, variant name): [one figure per repeat]}: each repeat measures every variant
    in turn (measure(libdir, env) gives one figure per model), with the load printed."""
    with open("/proc/loadavg") as f:
        print("load before:", f.read().split()[:3])
    results = {}
    for _ in range(reps):
        for name, libdir, env in variants:
            for model, got in zip(models, measure(libdir, env)):
                results.setdefault((model, name), []).append(got)
    with open("/proc/loadavg") as f:
        print("load after:", f.read().split()[:3])
    return results


def run_once(libdir, env, models_dir, models, rows, min_ms, data="X64.npy"):
    answers = serve(libdir, env, models_dir, models, [f"batch {i} 0 {rows} 1 {min_ms}" for i in range(len(models))],
                    data)
    trees = [a["num_trees"] for a in answers if "num_trees" in a]
    times = [a["cpu_ns_per_call"] for a in answers if "cpu_ns_per_call" in a]
    if len(trees) != len(models) or len(times) != len(models):
        raise SystemExit(f"ps_bench answered {answers}")
    return [t / rows / n for t, n in zip(times, trees)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--min-ms", type=float, default=400)
    ap.add_argument("--data", default="X64.npy", help="the rows, in --models (Xcat64.npy for the categorical models)")
    ap.add_argument("--variant", action="append", required=True, help="NAME=DIR[:VAR=VALUE,...]")
    ap.add_argument("model", nargs="+")
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    results = interleave(variants, args.reps, args.model,
                         lambda libdir, env: run_once(libdir, env, args.models, args.model, args.rows, args.min_ms,
                                                            args.data))
    for model in args.model:
        for name, _, _ in variants:
            v = results[(model, name)]
            print(f"{model} {args.rows} rows {name}: {statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f}) "
                  f"ns CPU per tree per row; runs {' '.join(f'{x:.2f}' for x in v)}")


if __name__ == "__main__":
    main()
