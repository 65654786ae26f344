"""The peers of bench.py beyond XGBoost's and LightGBM's own predict: Treelite + TL2cgen,
lleaves and ONNX Runtime. Each compiles or converts a model once (cached in MODELS/peers/,
keyed by the model file's sha256, the one-time cost recorded), then offers predict
functions at a thread count.

    python peers.py MODELS_DIR     prepare (compile/convert) every peer for every model now

A peer that does not support a model, or fails to install, compile or convert, yields
an entry {"error": "..."} instead, which the report prints.
"""
import hashlib
import json
import os
import sys
import time
import traceback

import numpy as np

# name, file, training library, test matrix ("X" or "Xcat"), description
MODELS = [
    ("xgb", "xgb.json", "xgboost", "X", "XGBoost binary:logistic, depth 8"),
    ("lgb", "lgb.txt", "lightgbm", "X", "LightGBM binary, 255 leaves, depth 8"),
    ("lgb_reg", "lgb_reg.txt", "lightgbm", "X", "LightGBM regression, 63 leaves"),
    ("xgb_multi", "xgb_multi.json", "xgboost", "X", "XGBoost multi:softprob, 10 classes, depth 6"),
    ("lgb_cat", "lgb_cat.txt", "lightgbm", "Xcat", "LightGBM binary, 63 leaves, 5 categorical features"),
    ("xgb_cat", "xgb_cat.json", "xgboost", "Xcat", "XGBoost binary, depth 6, 5 categorical features (enable_categorical)"),
]
PEERS = ["tl2cgen", "lleaves", "onnx"]
TL2CGEN_PARALLEL_COMP = 8   # translation units per model (compiled by gcc, 2 at a time)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def short_error(e):
    s = f"{type(e).__name__}: {e}".strip().replace("\n", " ")
    return s[:400]


def option_label(options):
    """The cache-name suffix of a compile with non-default options ("" for the defaults):
    {"fblocksize": 8, "fcodemodel": "small"} -> "-fblocksize=8-fcodemodel=small"."""
    return "".join(f"-{k}={v}" for k, v in sorted((options or {}).items()))


def _cache(models_dir, name, peer, options=None):
    d = os.path.join(models_dir, "peers")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, f"{name}.{peer}{option_label(options)}")


def _current(rec_path, digest):
    """The cache record at rec_path if it is for the model with this digest and its
    artifact (or its error) is there, else None."""
    if not os.path.exists(rec_path):
        return None
    rec = json.load(open(rec_path))
    if rec.get("model_sha") == digest and ("error" in rec or os.path.exists(rec["artifact"])):
        return rec
    return None


def compiled(models_dir, name, fname, peer):
    """Every current, successful cache record of one peer for one model, its default
    compile and any compiled with other options (prepare(options=...)), without compiling
    anything: [(label, record)], label "" for the defaults."""
    digest = sha(os.path.join(models_dir, fname))
    prefix = _cache(models_dir, name, peer)
    found = []
    for f in sorted(os.listdir(os.path.dirname(prefix))):
        p = os.path.join(os.path.dirname(prefix), f)
        label = p[len(prefix):-len(".json")]
        if p.startswith(prefix) and p.endswith(".json") and (label == "" or label.startswith("-")):
            rec = _current(p, digest)
            if rec and "error" not in rec:
                found.append((label, rec))
    return found


def prepare(models_dir, name, fname, kind, peer, options=None):
    """Compile/convert once; returns the cache record (dict), with "error" on failure.
    options: keyword arguments of the peer's compile (lleaves only), cached apart."""
    path = os.path.join(models_dir, fname)
    base = _cache(models_dir, name, peer, options)
    rec_path = base + ".json"
    digest = sha(path)
    rec = _current(rec_path, digest)
    if rec:
        return rec
    # another process compiling the same thing (e.g. two `peers.py` in parallel): wait for it
    lock = base + ".lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
    except FileExistsError:
        while os.path.exists(lock) and time.time() - os.path.getmtime(lock) < 3600:
            time.sleep(2)
        return prepare(models_dir, name, fname, kind, peer, options)
    try:
        return _prepare(path, base, rec_path, digest, kind, peer, options)
    finally:
        os.remove(lock)


def _prepare(path, base, rec_path, digest, kind, peer, options):
    rec = {"model_sha": digest}
    if options and peer != "lleaves":
        raise ValueError(f"compile options are for lleaves only, not {peer}")
    t0 = time.perf_counter()
    try:
        if peer == "tl2cgen":
            import tl2cgen
            import treelite
            if kind == "xgboost":
                tm = treelite.frontend.load_xgboost_model(path)
            else:
                tm = treelite.frontend.load_lightgbm_model(path)
            art = base + ".so"
            tl2cgen.export_lib(tm, toolchain="gcc", libpath=art,
                               params={"parallel_comp": TL2CGEN_PARALLEL_COMP}, nthread=2)
            rec["how"] = (f"treelite {treelite.__version__} frontend -> tl2cgen {tl2cgen.__version__} "
                          f"export_lib(toolchain=gcc, parallel_comp={TL2CGEN_PARALLEL_COMP})")
        elif peer == "lleaves":
            if kind != "lightgbm":
                raise NotSupported("lleaves compiles LightGBM models only")
            import lleaves
            art = base + ".o"
            m = lleaves.Model(model_file=path)
            m.compile(cache=art, **(options or {}))
            rec["how"] = ("lleaves.Model(model_file).compile(cache=...), "
                          + (", ".join(f"{k}={v!r}" for k, v in sorted(options.items())) if options
                             else "defaults") + " (fp64)")
            rec["options"] = options or {}
        elif peer == "onnx":
            import onnxmltools
            from onnxmltools.convert.common.data_types import FloatTensorType
            nf = 50
            it = [("input", FloatTensorType([None, nf]))]
            if kind == "xgboost":
                import xgboost as xgb
                onx = onnxmltools.convert_xgboost(xgb.Booster(model_file=path), initial_types=it)
            else:
                import lightgbm as lgb
                onx = onnxmltools.convert_lightgbm(lgb.Booster(model_file=path), initial_types=it,
                                                   zipmap=False)
            art = base + ".onnx"
            with open(art, "wb") as f:
                f.write(onx.SerializeToString())
            rec["how"] = f"onnxmltools {onnxmltools.__version__} convert_{kind}(FloatTensorType)"
        else:
            raise ValueError(peer)
        rec["artifact"] = art
        rec["prepare_s"] = time.perf_counter() - t0
    except NotSupported as e:
        rec["error"] = str(e)
        rec["unsupported"] = True
    except Exception as e:  # recorded, and the run goes on
        rec["error"] = short_error(e)
        log(f"  {peer} on {fname}: FAILED: {rec['error']}")
        log(traceback.format_exc(limit=3))
    json.dump(rec, open(rec_path, "w"), indent=1)
    return rec


class NotSupported(Exception):
    pass


class Peer:
    """A loaded peer for one model. fn(threads) -> predict function f(X) taking a row slice
    of the float64 matrix (ONNX: of the float32 one, see `dtype`), returning (n,) or (n, k)."""

    def __init__(self, peer, rec, kind, nout):
        self.name = peer
        self.rec = rec
        self.kind = kind
        self.nout = nout
        self.dtype = 32 if peer == "onnx" else 64
        self._fns = {}
        self.obj = self.load()

    def load(self):
        art = self.rec["artifact"]
        if self.name == "tl2cgen":
            import tl2cgen
            return {t: tl2cgen.Predictor(art, nthread=t) for t in (1, 2)}
        if self.name == "lleaves":
            import lleaves
            m = lleaves.Model(model_file=self.rec.get("model_file"))
            m.compile(cache=art)
            return m
        if self.name == "onnx":
            import onnxruntime as ort
            sess = {}
            for t in (1, 2):
                so = ort.SessionOptions()
                so.intra_op_num_threads = t
                so.inter_op_num_threads = 1
                sess[t] = ort.InferenceSession(art, so, providers=["CPUExecutionProvider"])
            return sess
        raise ValueError(self.name)

    def _post(self, out, n):
        out = np.asarray(out)
        if self.name == "onnx":
            # classifiers: [label, probabilities]; regressors: [variable]
            probs = out
            if self.nout == 1 and probs.ndim == 2 and probs.shape[1] == 2:
                return probs[:, 1]
            return probs.reshape(n, -1) if self.nout > 1 else probs.reshape(n)
        return out.reshape(n, -1) if self.nout > 1 else out.reshape(n)

    def predict_fn(self, threads):
        """f(X) on a raw NumPy slice (conversion inside, as a caller would pay it)."""
        if self.name == "tl2cgen":
            import tl2cgen
            p = self.obj[threads]
            dt = "float32" if p.threshold_type == "float32" else "float64"
            # tl2cgen 1.0.0 cannot build a DMatrix of another dtype under NumPy 2
            # (np.array(copy=False)): convert to the model's threshold type first
            return lambda X: p.predict(tl2cgen.DMatrix(np.ascontiguousarray(X, dtype=dt), dtype=dt))
        if self.name == "lleaves":
            m = self.obj
            return lambda X: m.predict(X, n_jobs=threads)
        s = self.obj[threads]
        iname = s.get_inputs()[0].name
        oname = s.get_outputs()[-1].name   # probabilities (classifiers) or variable
        return lambda X: s.run([oname], {iname: X})[0]

    def prepared(self, X):
        """An input object built once outside the timed loop (TL2cgen: a DMatrix; others:
        the array itself) and the call that scores it: (obj, f(threads)(obj))."""
        if self.name == "tl2cgen":
            import tl2cgen
            dt = "float32" if self.obj[1].threshold_type == "float32" else "float64"
            return tl2cgen.DMatrix(np.ascontiguousarray(X, dtype=dt), dtype=dt)
        return X

    def call_prepared(self, threads):
        if self.name == "tl2cgen":
            p = self.obj[threads]
            return lambda dm: p.predict(dm)
        return self.predict_fn(threads)

    def predict(self, X, threads=2):
        n = X.shape[0]
        return self._post(self.predict_fn(threads)(X), n)


def load_peer(models_dir, name, fname, kind, peer, nout):
    rec = prepare(models_dir, name, fname, kind, peer)
    if "error" in rec:
        return None, rec
    rec = dict(rec, model_file=os.path.join(models_dir, fname))
    t0 = time.perf_counter()
    try:
        p = Peer(peer, rec, kind, nout)
    except Exception as e:
        rec["error"] = "load: " + short_error(e)
        return None, rec
    rec["first_load_ms"] = (time.perf_counter() - t0) * 1e3
    return p, rec


def versions():
    v = {}
    for mod, key in (("treelite", "treelite"), ("tl2cgen", "tl2cgen"), ("lleaves", "lleaves"),
                     ("llvmlite", "llvmlite"), ("onnxruntime", "onnxruntime"),
                     ("onnxmltools", "onnxmltools"), ("onnx", "onnx")):
        try:
            from importlib.metadata import version
            v[key] = version(mod)
        except Exception as e:
            v[key] = "not importable: " + short_error(e)
    return v


def lleaves_options(args):
    """["fblocksize=8", "fcodemodel=small", "finline=0"] -> lleaves compile() keywords."""
    kinds = {"fblocksize": int, "fcodemodel": str, "finline": lambda v: v not in ("0", "false", "False")}
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        if k not in kinds:
            raise SystemExit(f"unknown lleaves option {k!r}: one of {', '.join(kinds)}")
        out[k] = kinds[k](v)
    return out


if __name__ == "__main__":
    d = sys.argv[1]
    if len(sys.argv) > 3 and sys.argv[2] == "--lleaves":
        # python peers.py MODELS_DIR --lleaves NAME [fblocksize=N] [fcodemodel=small|large] [finline=0|1]
        # one lleaves compile with these options, cached beside the default one
        name = sys.argv[3]
        row = [m for m in MODELS if m[0] == name]
        if not row or row[0][2] != "lightgbm":
            raise SystemExit(f"{name}: not a LightGBM benchmark model")
        rec = prepare(d, name, row[0][1], "lightgbm", "lleaves", lleaves_options(sys.argv[4:]) or None)
        log(f"[peers] lleaves {name} {rec.get('how', '')}: "
            + (f"error: {rec['error'][:150]}" if "error" in rec else f"ok ({rec['prepare_s']:.1f} s to compile)"))
        sys.exit(1 if "error" in rec else 0)
    order = MODELS[::-1] if "--reverse" in sys.argv else MODELS
    for name, fname, kind, _, _ in order:
        if not os.path.exists(os.path.join(d, fname)):
            continue
        for peer in PEERS:
            t0 = time.perf_counter()
            rec = prepare(d, name, fname, kind, peer)
            log(f"[peers] {peer:8} {fname:16} "
                + (f"error: {rec['error'][:150]}" if "error" in rec else f"ok ({rec['prepare_s']:.1f} s to compile/convert)"))
