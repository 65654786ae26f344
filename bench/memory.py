"""Resident memory of one loaded model: polyscore beside the library that trained it.

    python bench/memory.py --models bench/models --ps-bench build-bench/bench/ps_bench \
        --out bench/results/memory [--reps 3] [--rows 1000]

For every benchmark model (and xgb.ubj), each implementation runs in a fresh process of
its own, several times: polyscore through `ps_bench memory` (the C API), XGBoost or
LightGBM through Python. Each process reads its rows first, then reports how much its
resident set (VmRSS) grew
  - after load: the model loaded (XGBoost `Booster(model_file=)`, LightGBM
    `Booster(model_file=)`, polyscore `ps_model_load_file`),
  - after the first predict of --rows rows, 1 thread (XGBoost `inplace_predict` with
    nthread 1, LightGBM `predict(num_threads=1)`, polyscore `ps_model_predict_dense`;
    the output array is not counted),
  - and after `malloc_trim(0)` then: what the allocator gives back when asked.
Nobody trims before the first two readings: they are what a service holding the model
pays. Writes memory.json and memory.md (median and range over the processes).
"""
import argparse
import ctypes
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from peers import MODELS  # noqa: E402

READINGS = ("load_kib", "predict_kib", "trimmed_kib")


def vm_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def child(kind, path, rows_path, n):
    """In this fresh process: the training library's readings, as ps_bench memory gives polyscore's."""
    import numpy as np
    if kind == "xgboost":
        import xgboost as xgb
    else:
        import lightgbm as lgb
    X = np.ascontiguousarray(np.load(rows_path)[:n])
    trim = ctypes.CDLL("libc.so.6").malloc_trim
    trim(0)
    before = vm_rss_kib()
    if kind == "xgboost":
        booster = xgb.Booster(model_file=path)
        loaded = vm_rss_kib()
        booster.set_param({"nthread": 1})
        out = booster.inplace_predict(X)
    else:
        booster = lgb.Booster(model_file=path)
        loaded = vm_rss_kib()
        out = booster.predict(X, num_threads=1)
    first = float(np.ravel(out)[0])
    del out  # the returned array is the caller's, as polyscore's output is
    predicted = vm_rss_kib()
    trim(0)
    trimmed = vm_rss_kib()
    print(json.dumps({"load_kib": loaded - before, "predict_kib": predicted - before,
                      "trimmed_kib": trimmed - before, "first": first}))


def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "n": len(xs)}


def run_one(cmd):
    o = subprocess.run(cmd, capture_output=True, text=True)
    if o.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {o.stdout[-500:]} {o.stderr[-2000:]}")
    return json.loads(o.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=False)
    ap.add_argument("--ps-bench")
    ap.add_argument("--out")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--child", nargs=4, metavar=("KIND", "MODEL", "ROWS", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path, rows, n = args.child
        child(kind, path, rows, int(n))
        return

    cases = []
    for name, fname, kind, dkey, desc in MODELS:
        for f in [fname] + (["xgb.ubj"] if name == "xgb" else []):
            if os.path.exists(os.path.join(args.models, f)):
                cases.append((f, kind, dkey, desc))
    results = {}
    for f, kind, dkey, desc in cases:
        path = os.path.join(args.models, f)
        # The rows as each library is fed them in bench.py: float64.
        rows = os.path.join(args.models, f"{dkey}64.npy")
        got = {"polyscore": [], kind: []}
        for rep in range(args.reps):  # interleaved, so machine noise falls on both
            got["polyscore"].append(run_one([args.ps_bench, "memory", path, rows, str(args.rows)]))
            got[kind].append(run_one([sys.executable, __file__, "--child", kind, path, rows, str(args.rows)]))
        first = {k: v[0]["first"] for k, v in got.items()}
        if abs(first["polyscore"] - first[kind]) > 1e-6 * max(abs(first[kind]), 1e-30):
            raise RuntimeError(f"{f}: first output differs: {first}")
        results[f] = {"desc": desc, "kind": kind,
                      "rss": {k: {r: stats([x[r] for x in v]) for r in READINGS} for k, v in got.items()}}
        line = "; ".join(f"{k} " + " / ".join(f"{s[r]['median'] / 1024:.1f}" for r in READINGS)
                         for k, s in results[f]["rss"].items())
        print(f"[memory] {f}: MiB load / predict / trimmed: {line}", file=sys.stderr, flush=True)

    os.makedirs(args.out, exist_ok=True)
    machine = {"cpu": next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                            if ln.startswith("model name")), platform.processor()),
               "load_average": os.getloadavg(), "python": platform.python_version(),
               "polyscore_source": os.environ.get("POLYSCORE_BENCH_SOURCE", "not recorded (run.sh sets it)")}
    for mod in ("xgboost", "lightgbm"):
        try:
            machine[mod] = __import__(mod).__version__
        except Exception:
            pass
    json.dump({"machine": machine, "rows": args.rows, "reps": args.reps, "models": results},
              open(os.path.join(args.out, "memory.json"), "w"), indent=1)
    with open(os.path.join(args.out, "memory.md"), "w") as md:
        md.write(render(machine, args.rows, args.reps, results))
    print(f"[memory] wrote {args.out}/memory.md", file=sys.stderr)


def render(machine, rows, reps, results):
    L = ["# Resident memory of one loaded model\n",
         f"VmRSS growth in a fresh process per implementation and repeat ({reps} each, interleaved), "
         "median (min–max), MiB. **load**: after loading the model; **predict**: after the first "
         f"predict of {rows} rows, 1 thread (the output array not counted); **trimmed**: after "
         "`malloc_trim(0)` then. Nobody trims before the first two readings. "
         "**ratio**: polyscore ÷ the training library, of the medians. Command: `bench/run.sh --memory`.\n",
         f"CPU: {machine['cpu']}; load average {' '.join(f'{x:.1f}' for x in machine['load_average'])}; "
         f"xgboost {machine.get('xgboost', '?')}, lightgbm {machine.get('lightgbm', '?')}; "
         f"polyscore source: {machine['polyscore_source']}.\n",
         "| model file | implementation | load | predict | trimmed | ratio load / predict |",
         "|---|---|---:|---:|---:|---:|"]

    def cell(s):
        return f"{s['median'] / 1024:.1f} ({s['min'] / 1024:.1f}–{s['max'] / 1024:.1f})"

    for f, r in results.items():
        ps, peer = r["rss"]["polyscore"], r["rss"][r["kind"]]
        ratio = " / ".join(f"{ps[k]['median'] / max(peer[k]['median'], 1):.2f}" for k in ("load_kib", "predict_kib"))
        L.append(f"| {f} | polyscore (C) | {cell(ps['load_kib'])} | {cell(ps['predict_kib'])} | "
                 f"{cell(ps['trimmed_kib'])} | {ratio} |")
        L.append(f"| {f} | {r['kind']} | {cell(peer['load_kib'])} | {cell(peer['predict_kib'])} | "
                 f"{cell(peer['trimmed_kib'])} | |")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
