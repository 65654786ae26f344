"""polyscore beside XGBoost's and LightGBM's own predict, in one run (driven by run.sh).

polyscore is measured through its C API by ps_bench (a C++ client of the public header),
kept running as a subprocess; the peers are measured here, in Python. Every measurement
is repeated REPS times, and the implementations are interleaved within each repetition
(polyscore, then the peers, order rotated every repetition), so that the noise of a
shared machine falls on all of them alike. Ratios are taken per repetition
(polyscore time / peer time, measured seconds apart) and their median is reported.

    python bench.py --models DIR --ps-bench PATH --lib PATH --out DIR [--quick]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

import peers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REL_TOL = 1e-6


# ---------------------------------------------------------------- helpers
def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "n": len(xs)}


def vm_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return -1.0


class PsBench:
    """The ps_bench subprocess: one command line in, one JSON line out."""

    def __init__(self, exe, env):
        self.p = subprocess.Popen([exe, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1, env=env)
        self.hello = self._read()

    def _read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("ps_bench exited")
        r = json.loads(line)
        if "error" in r:
            raise RuntimeError("ps_bench: " + r["error"])
        return r

    def __call__(self, *words):
        self.p.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.p.stdin.flush()
        return self._read()

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(timeout=30)


def time_loop(fn, X, n, min_s):
    """(wall s, process CPU s) per call of fn(X[off:off+n]), offsets rolling as in ps_bench,
    >= min_s of wall time in all."""
    span = X.shape[0] - n
    off = 0
    calls = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    while True:
        fn(X[off:off + n])
        calls += 1
        off = 0 if span == 0 else (off + n * 7919) % span
        el = time.perf_counter() - t0
        if el >= min_s:
            return el / calls, (time.process_time() - c0) / calls


def time_loop_list(fn, inputs, min_s):
    """Like time_loop, over prepared inputs (cycled), >= min_s of wall time."""
    calls = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    while True:
        fn(inputs[calls % len(inputs)])
        calls += 1
        el = time.perf_counter() - t0
        if el >= min_s:
            return el / calls, (time.process_time() - c0) / calls


def ps_batch(ps, *words):
    r = ps("batch", *words)
    return r["ns_per_call"] * 1e-9, r["cpu_ns_per_call"] * 1e-9


def max_rel_diff(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return float("inf")
    den = np.maximum(np.abs(b), 1e-30)
    return float(np.max(np.abs(a - b) / den))


# ---------------------------------------------------------------- peers
def load_peer(kind, path):
    if kind == "xgboost":
        import xgboost as xgb
        return xgb.Booster(model_file=path)
    import lightgbm as lgb
    return lgb.Booster(model_file=path)


def peer_predict_fn(kind, booster, threads):
    if kind == "xgboost":
        booster.set_param({"nthread": threads})
        return lambda X: booster.inplace_predict(X)
    return lambda X: booster.predict(X, num_threads=threads)


def rss_child(kind, path, artifact):
    """Run in a fresh process: RSS deltas of loading one model, then the same model again,
    the library already imported (the second delta is the steady per-model cost)."""
    import ctypes
    import shutil
    import tempfile
    if kind == "polyscore-py":
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
        import polyscore
        polyscore.library_version()
        load = polyscore.Model.load
    elif kind in ("xgboost", "lightgbm"):
        if kind == "xgboost":
            import xgboost  # noqa: F401
        else:
            import lightgbm  # noqa: F401
        load = lambda p: load_peer(kind, p)  # noqa: E731
    elif kind == "tl2cgen":
        import tl2cgen
        tmp = tempfile.mkdtemp()
        copies = iter(range(10))

        def load(p):  # a fresh copy each time: dlopen of one path twice maps it once
            q = os.path.join(tmp, f"m{next(copies)}.so")
            shutil.copy(artifact, q)
            return tl2cgen.Predictor(q, nthread=1)
    elif kind == "lleaves":
        import lleaves

        def load(p):
            m = lleaves.Model(model_file=p)
            m.compile(cache=artifact)
            return m
    elif kind == "onnx":
        import onnxruntime as ort

        def load(p):
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            return ort.InferenceSession(artifact, so, providers=["CPUExecutionProvider"])
    trim = ctypes.CDLL("libc.so.6").malloc_trim  # freed parser memory back to the OS
    trim(0)
    before = vm_rss_kib()
    a = load(path)
    trim(0)
    after = vm_rss_kib()
    b = load(path)
    trim(0)
    after2 = vm_rss_kib()
    print(json.dumps({"rss_delta_kib": after - before, "rss_second_delta_kib": after2 - after}))
    del a, b


class Progress:
    """One stderr line per measurement: [done/total, elapsed, estimated time left]."""

    def __init__(self, total):
        self.total = max(total, 1)
        self.done = 0
        self.t0 = time.perf_counter()

    def step(self, msg, units=1):
        self.done = min(self.total, self.done + units)
        el = time.perf_counter() - self.t0
        left = el / self.done * (self.total - self.done) if self.done else 0
        log(f"[{self.done:>4}/{self.total} {self.done * 100 // self.total:3d}% "
            f"{int(el) // 60:02d}:{int(el) % 60:02d} elapsed, ~{int(left) // 60:02d}:{int(left) % 60:02d} left] {msg}")

    def note(self, msg):
        log(f"[{self.done:>4}/{self.total}] {msg}")


# ---------------------------------------------------------------- the run
def machine_info():
    cpu, flags = "unknown", []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    import lightgbm
    import xgboost
    return {
        "cpu": cpu, "cores": os.cpu_count(),
        "cpu_simd_flags": [f for f in flags if f.startswith(("avx", "sse4", "bmi", "fma"))],
        "no_avx512": os.environ.get("POLYSCORE_NO_AVX512", "unset"),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kernel": platform.release(), "python": platform.python_version(),
        "numpy": np.__version__, "xgboost": xgboost.__version__, "lightgbm": lightgbm.__version__,
        "peers": peers.versions(),
        "loadavg_start": os.getloadavg(),
        "source": os.environ.get("POLYSCORE_BENCH_SOURCE", "unknown"),
    }


def ratio_stats(a, b):
    return stats([x / y for x, y in zip(a, b)])


def py_latency(fn, inputs, calls):
    """p50/p99 of single calls fn(inputs[i]) from Python (perf_counter_ns around each)."""
    lat = np.empty(calls)
    m = len(inputs)
    for i in range(min(calls, 200)):
        fn(inputs[i % m])
    for i in range(calls):
        x = inputs[i % m]
        t0 = time.perf_counter_ns()
        fn(x)
        lat[i] = time.perf_counter_ns() - t0
    return {"p50_ns": float(np.percentile(lat, 50)), "p99_ns": float(np.percentile(lat, 99))}


def binding_cost(ffi_dir, tiny, lib, reps, quick):
    """Runs the bench/ffi harnesses (built by run.sh) on the one-tree model: per language,
    ns per single-row call through the binding and through the bare FFI, same process.
    overhead (issue 16's measure): per repeat, (binding - the C call's median) / bare, the
    binding's own cost over an empty native function of the same signature; the C
    harness runs first, so every language has the C figure of this run. overhead_cpu: the
    same from CPU time (the thread's; Node: the process's)."""
    env = dict(os.environ, POLYSCORE_LIBRARY=lib)
    n = 200000 if quick else 1000000
    O = ffi_dir
    here = os.path.join(HERE, "ffi")
    cmds = {
        "C": [os.path.join(O, "c_cost"), tiny, os.path.join(O, "libpsffi_empty.so"), str(n * 4), str(reps)],
        "Python": [sys.executable, os.path.join(here, "py_cost.py"), tiny, os.path.join(O, "libpsffi_empty.so"),
                   str(n // 10), str(reps)],
        "Go": [os.path.join(O, "go_cost"), tiny, str(n), str(reps)],
        "Java": ["java", "-Xss1m", "-cp", os.path.join(O, "java-classes"), f"-Djava.library.path={O}",
                 f"-Dpolyscore.jni.path={os.path.join(O, 'libpolyscore_jni.so')}", f"-Dpolyscore.library.path={lib}",
                 "FfiCost", tiny, str(n), str(reps)],
        "Node": ["node", os.path.join(here, "node", "node_cost.js"), tiny, os.path.join(O, "psffi_empty.node"),
                 str(n // 2), str(reps)],
    }
    env_extra = {"Node": {"POLYSCORE_NODE_ADDON": os.path.join(O, "polyscore.node")}}
    errfile = {"C": "c", "Python": "c", "Go": "go", "Java": "java", "Node": "node"}
    how = {
        "C": ("ps_model_predict_row from C (library linked)", "empty C function through a function pointer (dlopen'd tiny .so)"),
        "Python": ("polyscore.Model.predict_row(row) (ctypes binding)", "empty C function via ctypes, 7 args, argtypes declared"),
        "Go": ("Model.PredictRowInto(dst, row, nil) (cgo binding)", "empty C function via cgo (noescape, nocallback), 7 args"),
        "Java": ("Model.predictRow(double[]) (JNI binding)",
                 "static native method of the glue's signature (handle, double[] row, length, output -> double) "
                 "that pins and releases the row (GetPrimitiveArrayCritical), tiny JNI lib"),
        "Node": ("model.predictRow(Float64Array) (N-API binding)",
                 "N-API function of the glue's signature (Float64Array in via napi_get_typedarray_info, "
                 "number out), tiny addon built like build.js"),
    }
    out = {}
    for lang, cmd in cmds.items():
        ef = os.path.join(O, errfile[lang] + ".error")
        if os.path.exists(ef):
            out[lang] = {"error": "build: " + open(ef).read().strip()[:400]}
            log(f"  binding cost {lang}: not built ({out[lang]['error'][:120]})")
            continue
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                               env=dict(env, **env_extra.get(lang, {})))
            if r.returncode != 0:
                raise RuntimeError((r.stderr or r.stdout).strip()[-400:])
            j = json.loads(r.stdout.strip().splitlines()[-1])
            out[lang] = {"binding_ns": stats(j["binding_ns"]), "bare_ns": stats(j["bare_ns"]),
                         "ratio": ratio_stats(j["binding_ns"], j["bare_ns"]),
                         "extra_ns": stats([a - b for a, b in zip(j["binding_ns"], j["bare_ns"])]),
                         "binding_call": how[lang][0], "bare_call": how[lang][1]}
            if "noop_ns" in j:  # the do-nothing native call, beside the signature-matched one
                out[lang]["noop_ns"] = stats(j["noop_ns"])
            for k in ("binding_cpu_ns", "bare_cpu_ns", "noop_cpu_ns"):  # CPU time: steadier under load
                if k in j:
                    out[lang][k] = stats(j[k])
            c = out.get("C", {}).get("binding_ns")
            if lang != "C" and c:
                out[lang]["overhead"] = stats([(a - c["median"]) / b for a, b in zip(j["binding_ns"], j["bare_ns"])])
            c = out.get("C", {}).get("binding_cpu_ns")
            if lang != "C" and c and "binding_cpu_ns" in j:
                out[lang]["overhead_cpu"] = stats([(a - c["median"]) / b
                                                   for a, b in zip(j["binding_cpu_ns"], j["bare_cpu_ns"])])
            log(f"  binding cost {lang}: binding {out[lang]['binding_ns']['median']:.1f} ns/call, bare FFI "
                f"{out[lang]['bare_ns']['median']:.1f} ns/call, ratio {out[lang]['ratio']['median']:.2f}")
        except Exception as e:
            out[lang] = {"error": peers.short_error(e)}
            log(f"  binding cost {lang}: FAILED {out[lang]['error'][:200]}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--ps-bench", required=True)
    ap.add_argument("--lib", required=True, help="libpolyscore.so.1 for the Python binding")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ffi", help="folder of the bench/ffi harnesses built by run.sh")
    ap.add_argument("--only", help="comma-separated model names (default: all)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rss-child", nargs=3, metavar=("KIND", "PATH", "ARTIFACT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(*args.rss_child)
        return 0

    quick = args.quick
    reps = 3 if quick else 5
    reps_big = 3                             # repeats at 100k rows (one call is ~1 s)
    min_s = 0.05 if quick else 0.15          # minimum time of one sample
    row_calls_c = 5000 if quick else 20000   # single-row calls per sample, C
    row_calls_py = 500 if quick else 2000    # single-row calls per sample, Python
    load_reps = 3 if quick else 5
    batches = [1, 16, 256, 10000] if quick else [1, 16, 256, 10000, 100000]
    PRIMARY = ("xgb", "lgb")                 # f32 variants, Python binding, 3 RSS processes

    env = dict(os.environ)
    env["POLYSCORE_LIBRARY"] = args.lib
    os.environ["POLYSCORE_LIBRARY"] = args.lib
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
    try:
        import polyscore
        polyscore.library_version()
        have_py = True
    except Exception as e:  # the binding is optional
        log(f"polyscore Python binding not usable ({e}); skipping it")
        have_py = False

    info = machine_info()
    meta = json.load(open(os.path.join(args.models, "meta.json")))
    data = {}
    for key, fid in (("X", 0), ("Xcat", 100)):
        data[key] = (np.load(os.path.join(args.models, f"{key}64.npy")),
                     np.load(os.path.join(args.models, f"{key}32.npy")), fid)
    nrows = data["X"][0].shape[0]
    batches = [b for b in batches if b <= nrows]
    ps = PsBench(args.ps_bench, env)
    info["polyscore"] = ps.hello["version"]
    for key, (_, _, fid) in data.items():
        ps("data", fid + 64, os.path.join(args.models, f"{key}64.npy"))
        ps("data", fid + 32, os.path.join(args.models, f"{key}32.npy"))
    res = {"machine": info, "meta": meta, "quick": quick, "reps": reps, "reps_big": reps_big,
           "models": {}, "batches": batches}

    only = set(args.only.split(",")) if args.only else None
    models = [m for m in peers.MODELS if os.path.exists(os.path.join(args.models, m[1]))
              and (only is None or m[0] in only)]
    # progress: one unit per repeat of each measurement
    per_model = sum(reps_big if n >= 100000 else reps for n in batches for _ in ([1, 2] if n >= 10000 else [1]))
    total = len(models) * (2 + per_model + reps + 2) + 1
    prog = Progress(total)

    for mid, (name, fname, kind, dkey, desc) in enumerate(models, start=1):
        path = os.path.join(args.models, fname)
        X64, X32, fid = data[dkey]
        mi = ps("model", mid, path)
        ntrees, nout = mi["num_trees"], mi["num_outputs"]
        primary = name in PRIMARY
        native = load_peer(kind, path)
        pym = polyscore.Model.load(path) if (have_py and primary) else None
        R = res["models"][name] = {"file": fname, "kind": kind, "desc": desc, "trees": ntrees, "outputs": nout,
                                   "data": dkey, "batch": [], "row": {}, "load": {}, "rss": {}, "check": {},
                                   "peer_check": {}, "peers": {}}
        prog.note(f"== {name}: {fname}, {desc}, {ntrees} trees, {nout} output(s) per row")

        # -- the other peers: compile/convert (cached) and load
        extra = {}
        for pn in peers.PEERS:
            t0 = time.perf_counter()
            pobj, rec = peers.load_peer(args.models, name, fname, kind, pn, nout)
            R["peers"][pn] = {k: v for k, v in rec.items() if k not in ("artifact", "model_file", "model_sha")}
            if pobj is not None:
                extra[pn] = pobj
                R["peers"][pn]["artifact"] = os.path.basename(rec["artifact"])
                R["peers"][pn]["artifact_bytes"] = os.path.getsize(rec["artifact"])
                prog.note(f"  {pn}: ready ({time.perf_counter() - t0:.1f} s; one-time compile/convert "
                          f"{rec.get('prepare_s', float('nan')):.1f} s)")
            else:
                prog.note(f"  {pn}: not used: {rec['error'][:200]}")
        prog.step(f"{name}: peers ready: {', '.join(extra) or 'none'}")

        # -- correctness guard, on all bench rows
        ref = peer_predict_fn(kind, native, 2)(X64)
        ref32 = peer_predict_fn(kind, native, 2)(X32)
        for dt, X, rf in ((64, X64, ref), (32, X32, ref32)):
            out = os.path.join(args.out, f"_chk_{name}_{dt}.bin")
            ps("predict", mid, fid + dt, nrows, out)
            mine = np.fromfile(out, dtype=np.float64)
            os.remove(out)
            R["check"][f"dense_f{dt}"] = max_rel_diff(mine, rf)
        nrow = min(nrows, 20000)
        out = os.path.join(args.out, f"_chk_{name}_row.bin")
        ps("rowpredict", mid, fid + 64, nrow, out)
        mine = np.fromfile(out, dtype=np.float64)
        os.remove(out)
        R["check"]["row_f64"] = max_rel_diff(mine, np.asarray(ref)[:nrow])
        if pym is not None:
            R["check"]["python_f64"] = max_rel_diff(pym.predict(X64, num_threads=2), ref)
        for pn, pobj in extra.items():
            try:
                X = X32 if pobj.dtype == 32 else X64
                R["peer_check"][pn] = max_rel_diff(pobj.predict(X, 2), ref if pobj.dtype == 64 else ref32)
                # also against the float64 reference, what a user of the float64 model gets
                R["peer_check"][pn + "_vs_f64"] = max_rel_diff(pobj.predict(X, 2), ref)
                R["peer_check"][pn + "_abs"] = float(np.max(np.abs(
                    np.asarray(pobj.predict(X, 2), dtype=np.float64).ravel()
                    - np.asarray(ref if pobj.dtype == 64 else ref32, dtype=np.float64).ravel())))
            except Exception as e:
                R["peer_check"][pn] = float("nan")
                R["peers"][pn]["error"] = "predict: " + peers.short_error(e)
        bad = [pn for pn, pobj in extra.items() if not np.isfinite(R["peer_check"].get(pn, np.nan))]
        for pn in bad:
            extra.pop(pn)
        prog.step(f"{name}: check: " + ", ".join(f"{k}={v:.2g}" for k, v in R["check"].items())
                  + " | peers vs " + kind + ": " + ", ".join(f"{k}={v:.2g}" for k, v in R["peer_check"].items()))

        # -- batch throughput
        for n in batches:
            for threads in ([1, 2] if n >= 10000 else [1]):
                rr = reps_big if n >= 100000 else reps
                did = fid + 64
                impls = {"ps_c_f64": lambda: ps_batch(ps, mid, did, n, threads, min_s * 1e3)}
                if primary:
                    impls["ps_c_f32"] = lambda: ps_batch(ps, mid, fid + 32, n, threads, min_s * 1e3)
                if pym is not None and n < 100000:
                    impls["ps_py_f64"] = lambda: time_loop(
                        lambda X: pym.predict(X, num_threads=threads), X64, n, min_s)
                pf = peer_predict_fn(kind, native, threads)
                impls["native_f64"] = lambda: time_loop(pf, X64, n, min_s)
                if primary:
                    impls["native_f32"] = lambda: time_loop(pf, X32, n, min_s)
                warm = [lambda: pf(X64[:n])]
                for pn, pobj in extra.items():
                    if pn == "tl2cgen":
                        # DMatrix objects made once, outside the timed loop, at the same
                        # rolling offsets as the others (up to 8 distinct, ~4 MB each)
                        k = max(1, min(8, int(4e6 // (n * X64.shape[1] * 8))))
                        span = nrows - n
                        offs = [0 if span == 0 else (i * n * 7919) % span for i in range(k)]
                        dms = [pobj.prepared(X64[o:o + n]) for o in offs]
                        call = pobj.call_prepared(threads)
                        impls["tl2cgen_f64"] = (lambda call=call, dms=dms: time_loop_list(call, dms, min_s))
                        warm.append(lambda call=call, dms=dms: call(dms[0]))
                    else:
                        f = pobj.predict_fn(threads)
                        X = X32 if pobj.dtype == 32 else X64
                        impls[f"{pn}_f{pobj.dtype}"] = (lambda f=f, X=X: time_loop(f, X, n, min_s))
                        warm.append(lambda f=f, X=X: f(X[:n]))
                names = list(impls)
                for w in warm:  # warm-up, untimed
                    w()
                if "ps_py_f64" in impls:
                    pym.predict(X64[:n], num_threads=threads)
                samples = {k: [] for k in names}
                cpu = {k: [] for k in names}
                for r in range(rr):
                    order = names[r % len(names):] + names[:r % len(names)]
                    for k in order:
                        if threads > 1:
                            # Worker threads of the implementation just timed (OpenMP in
                            # XGBoost and LightGBM, ONNX Runtime's pool) spin for a while
                            # after their last task; on 2 cores they would take a core
                            # from the next one timed. Let them go to sleep first.
                            time.sleep(0.3)
                        w, c = impls[k]()
                        samples[k].append(w)
                        cpu[k].append(c)
                    prog.step(f"{name} batch n={n:<6} threads={threads} rep {r + 1}/{rr}: " + "  ".join(
                        f"{k}={samples[k][-1] / (n * ntrees) * 1e9:.2f}" for k in names) + " ns/tree/row")
                entry = {"rows": n, "threads": threads,
                         "s_per_call": {k: stats(v) for k, v in samples.items()},
                         "cpu_s_per_call": {k: stats(v) for k, v in cpu.items()},
                         "ratio": {}, "cpu_ratio": {}}
                # ratio polyscore C / peer for every peer (polyscore C on the peer's dtype)
                for k in names:
                    if k.startswith("ps_c"):
                        continue
                    base = "ps_c_f32" if (k.endswith("f32") and "ps_c_f32" in samples) else "ps_c_f64"
                    if k == "ps_py_f64":
                        base_k, peer_k = k, "native_f64"   # binding vs the native peer
                        entry["ratio"][k] = ratio_stats(samples[base_k], samples[peer_k])
                        entry["cpu_ratio"][k] = ratio_stats(cpu[base_k], cpu[peer_k])
                        continue
                    entry["ratio"][k] = ratio_stats(samples[base], samples[k])
                    entry["cpu_ratio"][k] = ratio_stats(cpu[base], cpu[k])
                    entry.setdefault("ratio_base", {})[k] = base
                R["batch"].append(entry)

        # -- single-row latency: polyscore from C; everything else from Python
        rowsel = [X64[(i * 7919) % nrows:(i * 7919) % nrows + 1] for i in range(256)]
        rowsel32 = [X32[(i * 7919) % nrows:(i * 7919) % nrows + 1] for i in range(256)]
        lat_impls = {"native_py": (peer_predict_fn(kind, native, 1), rowsel)}
        if pym is not None:
            lat_impls["ps_py"] = (lambda x: pym.predict_row(x[0]), rowsel)
        for pn, pobj in extra.items():
            if pn == "tl2cgen":
                lat_impls["tl2cgen_py"] = (pobj.call_prepared(1), [pobj.prepared(x) for x in rowsel])
            else:
                lat_impls[f"{pn}_py"] = (pobj.predict_fn(1), rowsel32 if pobj.dtype == 32 else rowsel)
        rows = {"ps_c": []}
        rows.update({k: [] for k in lat_impls})
        for r in range(reps):
            rows["ps_c"].append(ps("row", mid, fid + 64, row_calls_c))
            for k, (f, inputs) in lat_impls.items():
                rows[k].append(py_latency(f, inputs, row_calls_py))
            prog.step(f"{name} single row rep {r + 1}/{reps}: " + "  ".join(
                f"{k} p50={v[-1]['p50_ns'] / 1e3:.2f}us p99={v[-1]['p99_ns'] / 1e3:.2f}us" for k, v in rows.items()))
        R["row"] = {k: {"p50_ns": stats([x["p50_ns"] for x in v]), "p99_ns": stats([x["p99_ns"] for x in v])}
                    for k, v in rows.items()}
        R["row_ratio"] = {}
        for k in lat_impls:
            R["row_ratio"][k] = {
                "p50_c": ratio_stats([x["p50_ns"] for x in rows["ps_c"]], [x["p50_ns"] for x in rows[k]]),
                "p99_c": ratio_stats([x["p99_ns"] for x in rows["ps_c"]], [x["p99_ns"] for x in rows[k]])}
            if "ps_py" in rows and k != "ps_py":
                R["row_ratio"][k]["p50_py"] = ratio_stats([x["p50_ns"] for x in rows["ps_py"]],
                                                          [x["p50_ns"] for x in rows[k]])
        R["row_calls"] = {k: (row_calls_c if k == "ps_c" else row_calls_py) for k in rows}

        # -- load time (interleaved, one load each per repetition); peers load their
        #    compiled/converted artifact (the one-time compile is in R["peers"])
        import shutil
        import tempfile
        tmpd = tempfile.mkdtemp(prefix="psbench-")
        files = [fname] + (["xgb.ubj"] if name == "xgb" else [])
        for f in files:
            p = os.path.join(args.models, f)
            loaders = {"native": lambda p=p: load_peer(kind, p)}
            if f == fname:
                for pn, pobj in extra.items():
                    art = pobj.rec["artifact"]
                    if pn == "tl2cgen":
                        import tl2cgen

                        def ld(art=art, pn=pn):
                            q = os.path.join(tmpd, f"c{time.perf_counter_ns()}.so")
                            shutil.copy(art, q)   # a new file each time: dlopen maps a path once
                            t0 = time.perf_counter()
                            x = tl2cgen.Predictor(q, nthread=1)
                            return x, time.perf_counter() - t0
                        loaders[pn] = ld
                    elif pn == "lleaves":
                        import lleaves

                        def ld(art=art, p=p):
                            m = lleaves.Model(model_file=p)
                            m.compile(cache=art)
                            return m
                        loaders[pn] = ld
                    else:
                        import onnxruntime as ort

                        def ld(art=art):
                            so = ort.SessionOptions()
                            so.intra_op_num_threads = 1
                            return ort.InferenceSession(art, so, providers=["CPUExecutionProvider"])
                        loaders[pn] = ld
            t = {"ps": []}
            t.update({k: [] for k in loaders})
            for r in range(load_reps):
                t["ps"].append(ps("load", p, 1)["load_ms"][0])
                for k, ld in loaders.items():
                    t0 = time.perf_counter()
                    x = ld()
                    el = time.perf_counter() - t0
                    if isinstance(x, tuple):
                        el = x[1]
                    t[k].append(el * 1e3)
                    del x
            R["load"][f] = {"ms": {k: stats(v) for k, v in t.items()},
                            "ratio": {k: ratio_stats(t["ps"], v) for k, v in t.items() if k != "ps"}}
        shutil.rmtree(tmpd, ignore_errors=True)
        prog.step(f"{name} load: " + "; ".join(
            f"{f}: " + ", ".join(f"{k} {v['median']:.1f} ms" for k, v in L["ms"].items()) for f, L in R["load"].items()))

        # -- resident memory of a loaded model, fresh processes
        nproc = (3 if primary else 2) if not quick else 1
        for f in files:
            p = os.path.join(args.models, f)
            kinds = {"native": kind}
            if pym is not None:
                kinds["ps_py"] = "polyscore-py"
            if f == fname:
                kinds.update({pn: pn for pn in extra})
            rss = {"ps_c": []}
            rss.update({k: [] for k in kinds})
            for r in range(nproc):
                o = subprocess.run([args.ps_bench, "rss", p], capture_output=True, text=True, env=env, check=True)
                rss["ps_c"].append(json.loads(o.stdout))
                for k, child in kinds.items():
                    art = extra[k].rec["artifact"] if k in extra else "-"
                    o = subprocess.run([sys.executable, __file__, "--models", "-", "--ps-bench", "-", "--lib",
                                        args.lib, "--out", "-", "--rss-child", child, p, art],
                                       capture_output=True, text=True, env=env)
                    if o.returncode == 0:
                        rss[k].append(json.loads(o.stdout.strip().splitlines()[-1]))
            R["rss"][f] = {k: {"first": stats([x["rss_delta_kib"] for x in v]),
                               "second": stats([x["rss_second_delta_kib"] for x in v])}
                           for k, v in rss.items() if v}
        prog.step(f"{name} RSS (first load, MiB): " + "; ".join(
            f"{f}: " + ", ".join(f"{k} {v['first']['median'] / 1024:.1f}" for k, v in q.items())
            for f, q in R["rss"].items()))
        if pym is not None:
            pym.close()
        del native, extra

    # -- binding cost on the one-tree model
    tiny = os.path.join(args.models, "xgb_tiny.json")
    if args.ffi and os.path.exists(tiny):
        res["binding_cost"] = binding_cost(args.ffi, tiny, args.lib, reps, quick)
    prog.step("binding cost done")

    ps.close()
    info["loadavg_end"] = os.getloadavg()
    ok = all(v <= REL_TOL for m in res["models"].values() for v in m["check"].values())
    res["correct"] = ok
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    import report
    report.write(res, args.out)
    log(f"wrote {os.path.join(args.out, 'results.md')}")
    if not ok:
        log(f"CORRECTNESS GUARD FAILED: a max relative diff of polyscore exceeds {REL_TOL}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
