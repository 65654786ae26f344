"""results.json -> results.md (+ results.png, binding_cost.png when matplotlib is there).
Used by bench.py;  python report.py DIR   rewrites DIR/results.md from DIR/results.json."""
import json
import math
import os
import sys

NATIVE_CALL = {"xgboost": "Booster.inplace_predict", "lightgbm": "Booster.predict"}
PEER_NAME = {"tl2cgen": "TL2cgen", "lleaves": "lleaves", "onnx": "ONNX Runtime"}


def label(k, kind):
    """Implementation key -> readable name."""
    tbl = {"ps_c_f64": "polyscore C, float64", "ps_c_f32": "polyscore C, float32",
           "ps_py_f64": "polyscore Python, float64", "native_f64": f"{kind}, float64",
           "native_f32": f"{kind}, float32", "tl2cgen_f64": "TL2cgen (DMatrix prebuilt)",
           "lleaves_f64": "lleaves, float64", "onnx_f32": "ONNX Runtime, float32",
           "ps_c": "polyscore C (`ps_model_predict_row`)", "ps_py": "polyscore Python (`Model.predict_row`)",
           "native_py": f"{kind} Python ({NATIVE_CALL.get(kind, '')}, 1-row array)",
           "tl2cgen_py": "TL2cgen Python (Predictor.predict, 1-row DMatrix prebuilt)",
           "lleaves_py": "lleaves Python (predict(x, n_jobs=1))",
           "onnx_py": "ONNX Runtime Python (run, float32 1-row)",
           "native": f"{kind} (Booster(model_file))", "tl2cgen": "TL2cgen (Predictor(.so), compiled beforehand)",
           "lleaves": "lleaves (Model + compile(cache=) from the cached object)",
           "onnx": "ONNX Runtime (InferenceSession(.onnx), converted beforehand)", "ps": "polyscore (C)"}
    return tbl.get(k, k)


def spread(s, fmt="{:.2f}", scale=1.0):
    return (fmt.format(s["median"] * scale) + " (" + fmt.format(s["min"] * scale) + "–"
            + fmt.format(s["max"] * scale) + ")")


def rows_per_s(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def yes(b):
    return "**met**" if b else "**not met**"


def targets(res):
    """The issue's targets, each as (target, verdict, evidence lines)."""
    out = []
    models = res["models"]
    # 1 + 2: batch, 1 thread
    for peer_keys, want, title in (
            (("native_f64",), 0.2, "Batch, 1 thread: ≥5× faster than XGBoost's and LightGBM's own predict "
                                   "(polyscore C ÷ peer ≤ 0.20, float64, every batch size)"),
            (("tl2cgen_f64", "lleaves_f64"), 1.0, "Batch, 1 thread: no slower than TL2cgen and lleaves "
                                                  "(polyscore C ÷ peer ≤ 1.00, every batch size)")):
        ev, ok_all, any_, missing = [], True, False, []
        for name, R in models.items():
            for pk in peer_keys:
                es = [e for e in R["batch"] if e["threads"] == 1 and pk in e["ratio"]]
                pr = R.get("peers", {}).get(pk.rsplit("_", 1)[0], {})
                if not es and "error" in pr and not pr.get("unsupported"):
                    missing.append(f"{name} vs {PEER_NAME.get(pk.rsplit('_', 1)[0], pk)}")
                if not es:
                    continue
                any_ = True
                worst = max(es, key=lambda e: e["ratio"][pk]["median"])
                ok = all(e["ratio"][pk]["median"] <= want for e in es)
                ok_all &= ok
                per = ", ".join(f"{e['rows']}: {e['ratio'][pk]['median']:.2f}" for e in es)
                ev.append(f"{name} vs {label(pk, R['kind'])}: {'ok' if ok else 'NO'} — wall ratio by rows {per} "
                          f"(worst {worst['ratio'][pk]['median']:.2f} at {worst['rows']} rows; "
                          f"CPU {worst['cpu_ratio'][pk]['median']:.2f})")
        if missing:  # a peer that should have run did not: say so, never a plain "met"
            ev.append("not measured in this run (see Models and peers): " + ", ".join(missing))
        verdict = yes(ok_all and any_)
        out.append((title, verdict + (" where measured" if missing and ok_all and any_ else ""), ev))
    # 3: single row from C
    ev, ok_all = [], True
    for name in ("xgb", "lgb"):
        if name in models:
            p = models[name]["row"]["ps_c"]["p50_ns"]
            ok = p["median"] <= 5000
            ok_all &= ok
            ev.append(f"{name} ({models[name]['trees']} trees): p50 {spread(p, '{:.2f}', 1e-3)} µs, "
                      f"p99 {spread(models[name]['row']['ps_c']['p99_ns'], '{:.2f}', 1e-3)} µs")
    tr = models.get("xgb", {}).get("trees", "?")
    note = "" if tr == 500 else f" (this run's models have {tr} trees: the target is for 500)"
    out.append((f"Single row, 500 trees × depth 8, from C: p50 ≤ 5 µs{note}", yes(ok_all and ev), ev))
    # 4: 2 threads
    ev, ok_all = [], True
    for name, R in models.items():
        for n in (10000, 100000):
            e1 = [e for e in R["batch"] if e["rows"] == n and e["threads"] == 1]
            e2 = [e for e in R["batch"] if e["rows"] == n and e["threads"] == 2]
            if not e1 or not e2:
                continue
            sp = e1[0]["s_per_call"]["ps_c_f64"]["median"] / e2[0]["s_per_call"]["ps_c_f64"]["median"]
            ok_all &= sp >= 1.8
            ev.append(f"{name}, {n} rows: {sp:.2f}×")
    out.append(("2 threads ≥ 1.8× the 1-thread throughput on large batches (polyscore C, wall, 10k and 100k rows)",
                yes(ok_all and ev), ["; ".join(ev)] if ev else []))
    # 5: bindings
    bc = res.get("binding_cost", {})
    ev, ok_all = [], bool(bc)
    for lang, v in bc.items():
        if "error" in v:
            ok_all = False
            ev.append(f"{lang}: not measured ({v['error'][:150]})")
        elif "overhead_cpu" in v:  # judged on CPU time, steadier than wall time under load
            ok_all &= v["overhead_cpu"]["median"] <= 2
            ev.append(f"{lang}: {v['overhead_cpu']['median']:.2f}× CPU (({v['binding_cpu_ns']['median']:.0f} − C "
                      f"{bc['C']['binding_cpu_ns']['median']:.0f}) / {v['bare_cpu_ns']['median']:.1f} ns), "
                      f"{v['overhead']['median']:.2f}× wall")
        elif "overhead" in v:
            ok_all &= v["overhead"]["median"] <= 2
            ev.append(f"{lang}: {v['overhead']['median']:.2f}× (({v['binding_ns']['median']:.0f} − C "
                      f"{bc['C']['binding_ns']['median']:.0f}) / {v['bare_ns']['median']:.1f} ns)")
        elif lang != "C":  # results of a run before the overhead measure
            ok_all &= v["ratio"]["median"] <= 2
            ev.append(f"{lang}: {v['ratio']['median']:.2f}× ({v['binding_ns']['median']:.0f} vs "
                      f"{v['bare_ns']['median']:.1f} ns)")
    out.append(("Each binding's own cost of a single-row call (binding − C call) within 2× of an empty native "
                "function of the same signature",
                yes(ok_all), ["; ".join(ev)] if ev else []))
    # 6: JSON load
    ev, ok_all = [], True
    for name, R in models.items():
        for f, L in R["load"].items():
            if f.endswith(".json"):
                r = L["ratio"]["native"]
                ok_all &= r["median"] < 1
                ev.append(f"{f}: {L['ms']['ps']['median']:.1f} vs {L['ms']['native']['median']:.1f} ms, "
                          f"ratio {spread(r)}")
    out.append(("JSON model load faster than XGBoost (`Booster(model_file=...)`)", yes(ok_all and ev),
                ["; ".join(ev)] if ev else []))
    return out


def has_avx512(m):
    """Whether this run's polyscore walked with AVX-512 (the CPU has it and it was not turned off)."""
    return "avx512f" in m.get("cpu_simd_flags", []) and m.get("no_avx512", "unset") in ("unset", "", "0")


def targets_16(res):
    """The targets of issue 16 this run measures (deep trees, one row at 2.5 µs), as targets() does.
    Its memory and sparse targets have their own reports (bench/run.sh --memory, --sparse)."""
    out = []
    models = res["models"]
    m = res["machine"]
    R = models.get("lgb_reg")
    if R:
        avx = has_avx512(m)
        want = 4.0 if avx else 6.0
        es = [e for e in R["batch"] if e["threads"] == 1 and e["rows"] >= 256]
        per = 1e9 / R["trees"]
        ok = bool(es) and all(e["s_per_call"]["ps_c_f64"]["median"] * per / e["rows"] <= want for e in es)
        ev = [", ".join(f"{e['rows']} rows: {e['s_per_call']['ps_c_f64']['median'] * per / e['rows']:.2f} "
                        f"(CPU {e['cpu_s_per_call']['ps_c_f64']['median'] * per / e['rows']:.2f})" for e in es)]
        isa = ("with AVX-512" if avx else "without AVX-512") if "cpu_simd_flags" in m else \
            "instruction set not recorded in this run: judged as without AVX-512"
        out.append((f"Deep trees ({R['trees']} trees, {R['desc']}), batch ≥ 256 rows, 1 thread: ≤ {want:.0f} ns per "
                    f"tree per row ({isa})", yes(ok), ev))
        p = R["row"]["ps_c"]["p50_ns"]
        out.append(("Deep trees, one row from C: p50 ≤ 8 µs", yes(p["median"] <= 8000),
                    [f"lgb_reg: p50 {spread(p, '{:.2f}', 1e-3)} µs, "
                     f"p99 {spread(R['row']['ps_c']['p99_ns'], '{:.2f}', 1e-3)} µs"]))
    ev, ok_all = [], True
    for name in ("xgb", "lgb"):
        if name in models and models[name]["trees"] == 500:
            p = models[name]["row"]["ps_c"]["p50_ns"]
            ok_all &= p["median"] <= 2500
            ev.append(f"{name}: p50 {spread(p, '{:.2f}', 1e-3)} µs")
    if ev:
        out.append(("One row of a 500-tree depth-8 model from C: p50 ≤ 2.5 µs", yes(ok_all), ev))
    return out


def write(res, out_dir):
    m = res["machine"]
    meta = res["meta"]
    L = []
    L.append("# polyscore beside XGBoost, LightGBM, TL2cgen, lleaves and ONNX Runtime: results\n")
    L.append(f"{'QUICK RUN (small models, few repeats; not for quoting). ' if res['quick'] else ''}"
             f"Produced by `bench/run.sh{' --quick' if res['quick'] else ''}`.\n")

    L.append("## Summary: the targets of the issue \"Faster than every peer\"\n")
    L.append("Verdicts are from the medians of this run (wall time; ratios = polyscore ÷ peer taken "
             "per repeat, below 1 = polyscore faster). Details in the sections below.\n")
    for title, verdict, ev in targets(res):
        L.append(f"- {title}: {verdict}")
        for e in ev:
            L.append(f"  - {e}")
    L.append("")
    t16 = targets_16(res)
    if t16:
        L.append("## Summary: the targets of issue 16 this run measures\n")
        L.append("Same medians (wall, ns per tree per row of polyscore C, float64; CPU time beside). The "
                 "binding target is above; memory per model is judged by `bench/run.sh --memory` "
                 "(memory/memory.md), sparse input by `bench/run.sh --sparse` (sparse/sparse.md), the "
                 "targets without AVX-512 by bench/experiments/walk_isa.py (no_avx512/).\n")
        for title, verdict, ev in t16:
            L.append(f"- {title}: {verdict}")
            for e in ev:
                L.append(f"  - {e}")
        L.append("")

    L.append("| machine | |\n|---|---|")
    L.append(f"| CPU | {m['cpu']} |")
    if "cpu_simd_flags" in m:
        L.append(f"| SIMD flags (POLYSCORE_NO_AVX512={m.get('no_avx512', 'unset')}) | {' '.join(m['cpu_simd_flags'])} |")
    L.append(f"| cores (os.cpu_count) | {m['cores']} |")
    L.append(f"| date | {m['date']} |")
    L.append(f"| load average at start / end (1, 5, 15 min) | "
             f"{' '.join(f'{x:.1f}' for x in m['loadavg_start'])} / "
             f"{' '.join(f'{x:.1f}' for x in m['loadavg_end'])} |")
    pv = m.get("peers", {})
    L.append(f"| versions | polyscore {m['polyscore']}, xgboost {m['xgboost']}, lightgbm {m['lightgbm']}, "
             + ", ".join(f"{k} {v}" for k, v in pv.items())
             + f", numpy {m['numpy']}, Python {m['python']}, kernel {m['kernel']} |")
    L.append(f"| polyscore source | {m.get('source', 'unknown')} |")
    L.append(f"| test rows | {meta['test_rows']} x {meta['features']}, {meta['nan_fraction'] * 100:.0f}% NaN "
             f"(categorical models: their own matrix, features 0–4 category codes) |")
    L.append(f"| repeats | {res['reps']} per figure ({res.get('reps_big', res['reps'])} at 100k rows), "
             f"implementations interleaved within each repeat |")
    L.append("")

    L.append("## Models and peers\n")
    L.append("Trained by `bench/make_models.py` with the real libraries (fixed seeds, 1 thread, "
             f"{meta['train_rows']} synthetic rows). Each peer runs only on the models it supports; "
             "its one-time compile/convert (cached in the models folder between runs) is not in "
             "any timed figure and is listed here.\n")
    L.append("| model | file | trees | mean leaves | outputs | TL2cgen | lleaves | ONNX Runtime |")
    L.append("|---|---|---:|---:|---:|---|---|---|")
    mm = meta.get("models", {})
    for name, R in res["models"].items():
        if name == "xgb":
            leaves = meta.get("xgb_mean_leaves")
        elif name == "lgb":
            leaves = meta.get("lgb_mean_leaves")
        else:
            leaves = mm.get(name, {}).get("mean_leaves")
        cells = []
        for pn in ("tl2cgen", "lleaves", "onnx"):
            p = R["peers"].get(pn, {})
            if "error" in p:
                why = "not supported: " if p.get("unsupported") else "not run: " if p.get("skipped") else "**failed**: "
                cells.append(why + p["error"][:300].replace("|", "/"))
            else:
                chk = R["peer_check"].get(pn, float("nan"))
                ab = R["peer_check"].get(pn + "_abs")
                cells.append(f"compile/convert {p.get('prepare_s', float('nan')):.1f} s, "
                             f"{p.get('artifact_bytes', 0) / 2**20:.1f} MiB; max rel diff vs {R['kind']} {chk:.2g}"
                             + (f" (abs {ab:.2g})" if ab is not None else ""))
        L.append(f"| {name}: {R['desc']} | {R['file']} | {R['trees']} | "
                 f"{leaves if leaves is None else f'{leaves:.0f}'} | {R['outputs']} | " + " | ".join(cells) + " |")
    L.append("")
    hows = {}
    for R in res["models"].values():
        for pn, p in R["peers"].items():
            if "how" in p and p["how"] not in hows.setdefault(pn, []):
                hows[pn].append(p["how"])
    for pn, h in hows.items():
        L.append(f"- {PEER_NAME[pn]}: {'; '.join(h)}.")
    L.append("- ONNX Runtime takes float32 input (the converted models' `FloatTensorType`); its max rel "
             "diff is against the training library on the same float32 rows, so it shows the converter's "
             "float32 thresholds and leaf sums, not input rounding. Reported, not a failure.")
    L.append("")

    L.append("## Correctness guard (polyscore)\n")
    L.append("Max relative difference of polyscore's output against the training library's own predict on "
             "the same rows (must be ≤ 1e-6; the run fails otherwise). The peers' figures are in the table above.\n")
    L.append("| model | check | max rel diff |\n|---|---|---|")
    for name, R in res["models"].items():
        for k, v in R["check"].items():
            L.append(f"| {name} | {k} | {v:.3g} {'OK' if v <= 1e-6 else '**FAIL**'} |")
    L.append("")

    L.append("## Batch throughput\n")
    L.append("polyscore C = `ps_model_predict_dense` from C++ (bench/ps_bench.cc); polyscore Python = the ctypes "
             "binding; XGBoost = `Booster.inplace_predict(X)` (`nthread` via `set_param`); LightGBM = "
             "`Booster.predict(X, num_threads=t)`; TL2cgen = `Predictor(lib, nthread=t).predict(dmat)` on a "
             "`tl2cgen.DMatrix` built once outside the timed loop (so the figure is the compiled code plus "
             "the predict call and output array, not the input conversion); lleaves = `predict(X, n_jobs=t)`; "
             "ONNX Runtime = `InferenceSession.run` with `intra_op_num_threads=t` on float32 input. All peers "
             "are timed from Python (their call overhead is in the figure: it dominates at 1–16 rows). "
             "**ratio** = polyscore C (float64; float32 against float32 peers) ÷ this implementation, per "
             "repeat, median (min–max); for polyscore Python it is polyscore Python ÷ the training library.\n")
    for name, R in res["models"].items():
        L.append(f"### {name}: {R['desc']} ({R['trees']} trees)\n")
        # compact matrix first
        peers_k = [k for k in (R["batch"][0]["s_per_call"] if R["batch"] else []) if not k.startswith("ps_")]
        if peers_k:
            L.append("polyscore C ÷ peer, wall (CPU), 1 thread unless marked:\n")
            L.append("| rows | threads | " + " | ".join(label(k, R["kind"]) for k in peers_k) + " |")
            L.append("|---:|---:|" + "---:|" * len(peers_k))
            for e in R["batch"]:
                L.append(f"| {e['rows']} | {e['threads']} | " + " | ".join(
                    (f"{e['ratio'][k]['median']:.2f} ({e['cpu_ratio'][k]['median']:.2f})" if k in e["ratio"] else "")
                    for k in peers_k) + " |")
            L.append("")
        L.append("| rows | threads | implementation | ns / tree / row (wall) | rows/s | µs / call | ratio (wall) | CPU ns / tree / row | ratio (CPU) |")
        L.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        for e in R["batch"]:
            n, t = e["rows"], e["threads"]
            for k, s in e["s_per_call"].items():
                c = e["cpu_s_per_call"][k]
                per = 1e9 / (n * R["trees"])
                rw = spread(e["ratio"][k]) if k in e["ratio"] else ""
                rc = spread(e["cpu_ratio"][k]) if k in e["cpu_ratio"] else ""
                L.append(f"| {n} | {t} | {label(k, R['kind'])} | {spread(s, scale=per)} | {rows_per_s(n / s['median'])} | "
                         f"{s['median'] * 1e6:.1f} | {rw} | {spread(c, scale=per)} | {rc} |")
        L.append("")

    L.append("## Single-row latency\n")
    L.append("polyscore C: `ps_model_predict_row`, each call timed with `steady_clock`, from C++. "
             "**Every other line is timed from Python** (`perf_counter_ns` around each call), so it "
             "includes the Python call and argument conversion, which for these libraries is most of the "
             "cost; the polyscore Python line is the like-for-like comparison for them. Ratio = polyscore C ÷ "
             "this (and polyscore Python ÷ this), per repeat.\n")
    L.append("| model | implementation | calls / repeat | p50 µs | p99 µs | ratio p50 (C ÷ this) | ratio p99 (C ÷ this) | ratio p50 (polyscore Python ÷ this) |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, R in res["models"].items():
        for k, v in R["row"].items():
            rr = R.get("row_ratio", {}).get(k, {})
            L.append(f"| {name} | {label(k, R['kind'])} | {R['row_calls'][k]} | {spread(v['p50_ns'], scale=1e-3)} | "
                     f"{spread(v['p99_ns'], scale=1e-3)} | {spread(rr['p50_c'], '{:.3f}') if 'p50_c' in rr else ''} | "
                     f"{spread(rr['p99_c'], '{:.3f}') if 'p99_c' in rr else ''} | "
                     f"{spread(rr['p50_py'], '{:.3f}') if 'p50_py' in rr else ''} |")
    L.append("")

    L.append("## Model load time and memory\n")
    L.append("Load: `ps_model_load_file` (from C++) against each peer's way of getting a ready model from what it "
             "keeps on disk (from Python): the training libraries parse the model file; TL2cgen `dlopen`s its "
             "compiled .so (a fresh copy of the file each time, since a path is mapped only once); lleaves "
             "parses the model file and loads its cached object code; ONNX Runtime builds a session from the "
             "converted .onnx. The compile/convert itself is one-time and listed under Models and peers. "
             "Interleaved, file in page cache, median (min–max). RSS: VmRSS growth in a fresh process (library "
             "already imported) when loading the model once (**first**) and once more (**second**: the steady "
             "cost of one more model), `malloc_trim(0)` before each reading; rough sizes (allocator noise of a "
             "few MiB).\n")
    L.append("| model file | implementation | load ms | load ratio (polyscore ÷ this) | RSS MiB first / second | RSS ratio first / second |")
    L.append("|---|---|---:|---:|---:|---:|")

    def mib(s):
        return f"{s['median'] / 1024:.1f}"

    for name, R in res["models"].items():
        for f, v in R["load"].items():
            q = R["rss"].get(f, {})
            keys = ["ps"] + [k for k in v["ms"] if k != "ps"]
            for k in keys:
                rk = "ps_c" if k == "ps" else k
                rss = f"{mib(q[rk]['first'])} / {mib(q[rk]['second'])}" if rk in q else ""
                rr = ""
                if rk in q and k != "ps" and "ps_c" in q:
                    a, b = q["ps_c"], q[rk]
                    rr = (f"{a['first']['median'] / max(b['first']['median'], 1):.2f} / "
                          f"{a['second']['median'] / max(b['second']['median'], 1):.2f}")
                L.append(f"| {f} | {label(k, R['kind'])} | {spread(v['ms'][k], '{:.1f}')} | "
                         f"{spread(v['ratio'][k]) if k in v['ratio'] else ''} | {rss} | {rr} |")
            if "ps_py" in q:
                L.append(f"| {f} | polyscore Python (Model.load) | | | {mib(q['ps_py']['first'])} / "
                         f"{mib(q['ps_py']['second'])} | |")
    L.append("")

    bc = res.get("binding_cost")
    if bc:
        L.append("## Binding cost: one single-row call on a one-tree model\n")
        L.append("The model is XGBoost, 1 round of depth 1 (`xgb_tiny.json`), so the call is almost all fixed "
                 "cost. Each language's harness (bench/ffi/, built by run.sh against the library and the "
                 "binding of the source under test) times, in one process and interleaved per repeat, N calls "
                 "through the binding and N calls of an empty native function with the signature the binding "
                 "calls, scoring nothing (the bare FFI cost; for Java and Node it reads the row as the glue "
                 "must, and the do-nothing call is given beside). ns per call, median (min–max) over repeats. "
                 "**overhead** (the target, ≤ 2): per repeat, (binding − the C call's median) ÷ bare, the "
                 "binding's own cost over the bare call; **ratio** = binding ÷ bare. Wall time, then the same "
                 "from CPU time (the thread's; Node: the process's), which a loaded machine disturbs less; "
                 "the target is judged on CPU time when it was measured.\n")
        run = res.get("binding_cost_run")
        if run:  # measured again on its own, after the rest of this report
            L.append(f"Measured on its own ({run['how']}): {run['date']}, source {run['source']}, "
                     f"load average {run['load']}, {run['repeats']}.\n")
        L.append("| language | binding call | binding ns/call | bare FFI call | bare ns/call | no-op call ns | "
                 "overhead | ratio | CPU: binding / bare / no-op ns | overhead (CPU) | ≤ 2× |")
        L.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
        for lang, v in bc.items():
            if "error" in v:
                L.append(f"| {lang} | not measured: {v['error'][:300].replace('|', '/')} | | | | | | | | | |")
                continue
            over = v.get("overhead_cpu", v.get("overhead"))
            cpu = " / ".join(f"{v[k]['median']:.1f}" for k in ("binding_cpu_ns", "bare_cpu_ns", "noop_cpu_ns") if k in v)
            L.append(f"| {lang} | {v['binding_call']} | {spread(v['binding_ns'], '{:.1f}')} | {v['bare_call']} | "
                     f"{spread(v['bare_ns'], '{:.1f}')} | "
                     f"{spread(v['noop_ns'], '{:.1f}') if 'noop_ns' in v else ''} | "
                     f"{spread(v['overhead']) if 'overhead' in v else '(reference)'} | {spread(v['ratio'])} | "
                     f"{cpu} | {spread(v['overhead_cpu']) if 'overhead_cpu' in v else ''} | "
                     f"{('yes' if over['median'] <= 2 else 'no') if over else ''} |")
        L.append("")
    pl = plot(res, out_dir)
    for f, cap in pl:
        L.append(f"![{cap}]({f})\n")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(L))


def plot(res, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return []
    made = []
    models = list(res["models"].items())
    if models:
        cols = min(3, len(models))
        rows = math.ceil(len(models) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 4.3 * rows), squeeze=False)
        colors = {"ps_c_f64": "C0", "ps_c_f32": "C9", "ps_py_f64": "C2", "native_f64": "C1", "native_f32": "C8",
                  "tl2cgen_f64": "C3", "lleaves_f64": "C4", "onnx_f32": "C5"}
        for ax, (name, R) in zip(axes.ravel(), models):
            for threads, style in ((1, "-"), (2, "--")):
                es = [e for e in R["batch"] if e["threads"] == threads]
                if not es:
                    continue
                keys = []
                for e in es:
                    keys += [k for k in e["s_per_call"] if k not in keys]
                for k in keys:
                    xs = [e["rows"] for e in es if k in e["s_per_call"]]
                    ys = [e["s_per_call"][k]["median"] / (e["rows"] * R["trees"]) * 1e9
                          for e in es if k in e["s_per_call"]]
                    ax.plot(xs, ys, style, marker="o" if threads == 1 else "s", markersize=3,
                            color=colors.get(k), label=f"{label(k, R['kind'])}, {threads} thr")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("rows per call")
            ax.set_ylabel("ns per tree per row (wall, median)")
            ax.set_title(f"{name}: {R['trees']} trees", fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=6)
        for ax in axes.ravel()[len(models):]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "results.png"), dpi=80)
        plt.close(fig)
        made.append(("results.png", "ns per tree per row against batch size"))
    bc = {k: v for k, v in res.get("binding_cost", {}).items() if "error" not in v}
    if bc:
        fig, ax = plt.subplots(figsize=(7, 3.8))
        langs = list(bc)
        x = range(len(langs))
        cpu = all("binding_cpu_ns" in bc[k] for k in langs)  # CPU time when measured, else wall
        b_key, e_key = ("binding_cpu_ns", "bare_cpu_ns") if cpu else ("binding_ns", "bare_ns")
        ax.bar([i - 0.2 for i in x], [bc[k][b_key]["median"] for k in langs], 0.4, label="binding, one-tree model")
        ax.bar([i + 0.2 for i in x], [bc[k][e_key]["median"] for k in langs], 0.4, label="bare FFI (same signature)")
        ax.bar([i + 0.2 for i in x], [bc[k][e_key]["median"] for k in langs], 0.4, fill=False, hatch="//")
        for i, k in enumerate(langs):
            r = bc[k].get("overhead_cpu", bc[k].get("overhead", bc[k]["ratio"]))["median"]
            ax.text(i, bc[k][b_key]["median"] * 1.1, f"{r:.1f}×", ha="center", fontsize=8)
        ax.set_xticks(list(x))
        ax.set_xticklabels(langs)
        ax.set_yscale("log")
        ax.set_ylabel(f"{'CPU' if cpu else 'wall'} ns per single-row call (median)")
        ax.set_title("One-row call: binding vs bare FFI\n(above: (binding − C) / bare; C: binding / bare)", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "binding_cost.png"), dpi=80)
        plt.close(fig)
        made.append(("binding_cost.png", "binding cost against bare FFI"))
    return made


if __name__ == "__main__":
    d = sys.argv[1]
    write(json.load(open(os.path.join(d, "results.json"))), d)
