"""results.json -> results.md (+ results.png when matplotlib is there). Used by bench.py;
    python report.py DIR   rewrites DIR/results.md from DIR/results.json."""
import json
import os
import sys

LABEL = {"ps_c_f64": "polyscore C, float64", "ps_c_f32": "polyscore C, float32",
         "ps_py_f64": "polyscore Python, float64", "peer_f64": "{peer}, float64",
         "peer_f32": "{peer}, float32"}
PEER_CALL = {"xgboost": "Booster.inplace_predict", "lightgbm": "Booster.predict"}


def spread(s, fmt="{:.2f}", scale=1.0):
    return (fmt.format(s["median"] * scale) + " (" + fmt.format(s["min"] * scale) + "–"
            + fmt.format(s["max"] * scale) + ")")


def rows_per_s(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def write(res, out_dir):
    m = res["machine"]
    meta = res["meta"]
    L = []
    L.append("# polyscore beside XGBoost and LightGBM: results\n")
    L.append(f"{'QUICK RUN (small models, few repeats; not for quoting). ' if res['quick'] else ''}"
             f"Produced by `bench/run.sh{' --quick' if res['quick'] else ''}`.\n")
    L.append("| machine | |\n|---|---|")
    L.append(f"| CPU | {m['cpu']} |")
    L.append(f"| cores (os.cpu_count) | {m['cores']} |")
    L.append(f"| date | {m['date']} |")
    L.append(f"| load average at start / end (1, 5, 15 min) | "
             f"{' '.join(f'{x:.1f}' for x in m['loadavg_start'])} / "
             f"{' '.join(f'{x:.1f}' for x in m['loadavg_end'])} |")
    L.append(f"| versions | polyscore {m['polyscore']}, xgboost {m['xgboost']}, lightgbm {m['lightgbm']}, "
             f"numpy {m['numpy']}, Python {m['python']}, kernel {m['kernel']} |")
    L.append(f"| polyscore source | {m.get('source', 'unknown')} |")
    L.append(f"| models | {meta['trees']} trees each, {meta['features']} features; XGBoost binary:logistic "
             f"max_depth 8 (mean {meta['xgb_mean_leaves']:.0f} leaves/tree); LightGBM binary num_leaves 255 "
             f"max_depth 8 (mean {meta['lgb_mean_leaves']:.0f} leaves/tree); trained on "
             f"{meta['train_rows']} synthetic rows |")
    L.append(f"| test rows | {meta['test_rows']} x {meta['features']}, {meta['nan_fraction'] * 100:.0f}% NaN |")
    L.append(f"| repeats | {res['reps']} per figure, implementations interleaved within each repeat |")
    L.append("")
    L.append("Every figure is **median (min–max)** over the repeats. A ratio is polyscore's time "
             "divided by the peer's, taken per repeat (the two measured seconds apart) and then "
             "the median: **below 1 means polyscore is faster**. Wall time is what a caller waits; "
             "CPU time (the process's CPU time over the same calls: ps_bench's for polyscore C, "
             "the Python process's for the peers, all threads summed) is far less disturbed by "
             "other jobs on a shared machine, so at 1 thread it is the steadier comparison; at 2 "
             "threads it also counts the peers' OpenMP spin-waiting. Batch rows are taken at rolling "
             "offsets through the test matrix, the same for every implementation.\n")

    L.append("## Correctness guard\n")
    L.append("Max relative difference of polyscore's output against the peer's own predict on the "
             "same rows (must be ≤ 1e-6).\n")
    L.append("| model | check | max rel diff |\n|---|---|---|")
    for kind, R in res["models"].items():
        for k, v in R["check"].items():
            L.append(f"| {kind} | {k} | {v:.3g} {'OK' if v <= 1e-6 else '**FAIL**'} |")
    L.append("")

    L.append("## Batch throughput\n")
    L.append("polyscore C = `ps_model_predict_dense` from C++ (bench/ps_bench.cc); polyscore Python = "
             "the ctypes binding; XGBoost = `Booster.inplace_predict(X)` with `nthread` set by "
             "`set_param`; LightGBM = `Booster.predict(X, num_threads=t)`. Python figures include the "
             "Python call overhead (dominant at 1–16 rows).\n")
    for kind, R in res["models"].items():
        L.append(f"### {kind} ({R['trees']} trees)\n")
        L.append("| rows | threads | implementation | ns / tree / row (wall) | rows/s | µs / call | ratio vs peer (wall, same dtype) | CPU ns / tree / row | ratio vs peer (CPU) |")
        L.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        for e in R["batch"]:
            n, t = e["rows"], e["threads"]
            for k, s in e["s_per_call"].items():
                label = LABEL[k].format(peer=kind)
                per = s["median"] / (n * R["trees"]) * 1e9
                ratio = spread(e["ratio"][k]) if k in e["ratio"] else ""
                c = e["cpu_s_per_call"][k]
                cratio = spread(e["cpu_ratio"][k]) if k in e["cpu_ratio"] else ""
                L.append(f"| {n} | {t} | {label} | {spread(s, scale=1e9 / (n * R['trees']))} | "
                         f"{rows_per_s(n / s['median'])} | {s['median'] * 1e6:.1f} | {ratio} | "
                         f"{spread(c, scale=1e9 / (n * R['trees']))} | {cratio} |")
                del per
        L.append("")

    L.append("## Single-row latency\n")
    L.append("polyscore C = `ps_model_predict_row` called from C++, warm, each call timed with "
             "`steady_clock` (about 20–30 ns of timer overhead included). The peers (and polyscore "
             "Python) are called from Python on a 1-row NumPy float64 array, so their figures "
             "**include Python call overhead**; that is how they are used, but it is not an "
             "engine-to-engine comparison. 1 thread everywhere.\n")
    L.append("| model | implementation | calls per repeat | p50 µs | p99 µs | ratio p50 (polyscore / peer) | ratio p99 |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    for kind, R in res["models"].items():
        rr = R["row"]
        for k, lab in (("ps_c", "polyscore C"), ("ps_py", "polyscore Python"),
                       ("peer_py", f"{kind} Python ({PEER_CALL[kind]})")):
            if k not in rr:
                continue
            r50 = r99 = ""
            if k == "ps_c":
                r50, r99 = spread(rr["ratio_p50_c_vs_peer"], "{:.4f}"), spread(rr["ratio_p99_c_vs_peer"], "{:.4f}")
            elif k == "ps_py":
                r50 = spread(rr["ratio_p50_py_vs_peer"], "{:.3f}")
            L.append(f"| {kind} | {lab} | {R['row_calls'][k]} | {spread(rr[k]['p50_ns'], scale=1e-3)} | "
                     f"{spread(rr[k]['p99_ns'], scale=1e-3)} | {r50} | {r99} |")
    L.append("")

    L.append("## Model load time and memory\n")
    L.append("Load: `ps_model_load_file` (from C++) vs `xgboost.Booster(model_file=...)` / "
             "`lightgbm.Booster(model_file=...)`, interleaved, file in page cache, median (min–max). "
             "RSS: VmRSS growth in a fresh process (after `import xgboost` / `import lightgbm` / "
             "libpolyscore mapped, median of 3 processes) when loading the model once (**first**: "
             "includes one-time library set-up) and then the same file a **second** time (the "
             "steady cost of one more model); `malloc_trim(0)` runs before each reading in every "
             "process, so memory the parser freed is not counted. RSS deltas of a few MiB are "
             "still at the mercy of the allocator: read them as rough sizes.\n")
    L.append("| model file | polyscore load ms | peer load ms | load ratio | polyscore RSS MiB first / second | peer RSS MiB first / second | RSS ratio first / second |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")

    def mib(s):
        return f"{s['median'] / 1024:.1f}"

    for kind, R in res["models"].items():
        for f, v in R["load"].items():
            q = R["rss"][f]
            ps_, pe = q["ps_c"], q["peer"]
            rr = (f"{ps_['first']['median'] / max(pe['first']['median'], 1):.2f} / "
                  f"{ps_['second']['median'] / max(pe['second']['median'], 1):.2f}")
            L.append(f"| {kind} {f} | {spread(v['ps_ms'], '{:.1f}')} | {spread(v['peer_ms'], '{:.1f}')} | "
                     f"{spread(v['ratio'])} | {mib(ps_['first'])} / {mib(ps_['second'])} | "
                     f"{mib(pe['first'])} / {mib(pe['second'])} | {rr} |")
            if "ps_py" in q:
                L.append(f"| {kind} {f} via polyscore Python | | | | {mib(q['ps_py']['first'])} / "
                         f"{mib(q['ps_py']['second'])} | | |")
    L.append("")
    if plot(res, out_dir):
        L.append("![ns per tree per row](results.png)\n")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(L))


def plot(res, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    fig, axes = plt.subplots(1, len(res["models"]), figsize=(6 * len(res["models"]), 4.2))
    if len(res["models"]) == 1:
        axes = [axes]
    for ax, (kind, R) in zip(axes, res["models"].items()):
        for threads, style in ((1, "-"), (2, "--")):
            es = [e for e in R["batch"] if e["threads"] == threads]
            if not es:
                continue
            for k in es[0]["s_per_call"]:
                xs = [e["rows"] for e in es if k in e["s_per_call"]]
                ys = [e["s_per_call"][k]["median"] / (e["rows"] * R["trees"]) * 1e9
                      for e in es if k in e["s_per_call"]]
                ax.plot(xs, ys, style, marker="o", label=f"{LABEL[k].format(peer=kind)}, {threads} thr")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows per call")
        ax.set_ylabel("ns per tree per row (median)")
        ax.set_title(f"{kind}, {R['trees']} trees")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "results.png"), dpi=90)
    return True


if __name__ == "__main__":
    d = sys.argv[1]
    write(json.load(open(os.path.join(d, "results.json"))), d)
