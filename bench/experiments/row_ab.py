"""Interleaved A/B of polyscore's one-row call between builds and environments, in one run.

Variants as in batch_ab.py (a directory holding ps_bench and its libpolyscore.so.1, plus
environment switches). Every repeat starts one `ps_bench serve` per variant, in turn,
and times `row` (ps_model_predict_row, each call timed, rows of X64 rolling) on each
model; prints the fastest call and the p50, median (min-max) over the repeats, in µs.

    python3 bench/experiments/row_ab.py --models DIR --calls 20000 --reps 5 \
        --variant old=build-old --variant new=build-new \
        --variant new-avx2=build-new:POLYSCORE_NO_AVX512=1 lgb_reg.txt

The categorical models read their own rows: --data Xcat64.npy lgb_cat.txt xgb_cat.json.
Each call's row is picked across the 100,000 test rows (40 MB), so it comes from memory,
not cache, and its miss is part of the time; --hot reads each row first, as a service's
row that it just parsed would be read.
"""
import argparse
import statistics

from batch_ab import interleave, parse_variant, serve


def run_once(libdir, env, models_dir, models, calls, data, hot):
    mode = " hot" if hot else ""
    answers = serve(libdir, env, models_dir, models, [f"row {i} 0 {calls}{mode}" for i in range(len(models))], data)
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
    ap.add_argument("--data", default="X64.npy", help="the rows, a file in --models (default X64.npy)")
    ap.add_argument("--variant", action="append", required=True, help="NAME=DIR[:VAR=VALUE,...]")
    ap.add_argument("--hot", action="store_true",
                    help="read each row before its timed call (ps_bench row ... hot): the row in cache, "
                         "as a service's just-parsed row is, instead of a miss into the 40 MB matrix")
    ap.add_argument("model", nargs="+")
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    results = interleave(variants, args.reps, args.model,
                         lambda libdir, env: run_once(libdir, env, args.models, args.model, args.calls, args.data, args.hot))
    for model in args.model:
        for name, _, _ in variants:
            v = results[(model, name)]
            print(f"{model} {name}: fastest {summary([x[0] for x in v])} µs, p50 {summary([x[1] for x in v])} µs; "
                  f"runs (fastest/p50) {' '.join(f'{a:.2f}/{b:.2f}' for a, b in v)}")


if __name__ == "__main__":
    main()
