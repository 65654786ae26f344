#!/usr/bin/env python3
"""Generate polyscore conformance vectors with the real training libraries.

Run inside a venv that has numpy plus xgboost and/or lightgbm installed
(tests/gen/generate.sh makes the venvs).  It trains small models on synthetic,
seeded data with whichever libraries import, saves the model files, the input
rows and the library's own predictions, and merges its cases into
<out>/manifest.json (replacing earlier cases of the same library versions).
Combinations a library version refuses are listed in <out>/SKIPPED.md.

Usage: python make_vectors.py --out tests/vectors
"""
import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import traceback

import numpy as np

try:
    import xgboost as xgb
except Exception:  # pragma: no cover - depends on venv
    xgb = None
try:
    import lightgbm as lgb
except Exception:  # pragma: no cover
    lgb = None

NAN = float("nan")


def vtuple(s):
    return tuple(int(p) for p in re.findall(r"\d+", s)[:3])


def xgb_prefix(version):
    """Case-name prefix of an xgboost version: xgb1 (1.7.6) and xgb3 (3.2.0), the names their
    committed vectors have; a later minor release adds its minor number (xgb34 for 3.4.1) so
    that its cases sit beside 3.2.0's instead of replacing them."""
    major, minor = vtuple(version)[:2]
    if major < 3 or (major, minor) <= (3, 2):
        return f"xgb{major}"
    return f"xgb{major}{minor}"


# ---------------------------------------------------------------------------
# output helpers


def fmt(v, integer=False):
    if integer:
        return str(int(v))
    return repr(float(v))


def write_csv(path, arr, integer=False):
    a = np.asarray(arr)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    elif a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    with open(path, "w", newline="\n") as f:
        for row in a:
            f.write(",".join(fmt(v, integer) for v in row) + "\n")
    return [int(a.shape[0]), int(a.shape[1])]


@contextlib.contextmanager
def capture_fd2():
    """Capture what native code writes to stderr (fd 2) and Python warnings."""
    import warnings
    buf = {"text": ""}
    sys.stderr.flush()
    sys.stdout.flush()
    saved = os.dup(2)
    pyout = io.StringIO()
    with tempfile.TemporaryFile(mode="w+b") as tmp, warnings.catch_warnings(record=True) as wl, \
            contextlib.redirect_stdout(pyout):
        warnings.simplefilter("always")
        os.dup2(tmp.fileno(), 2)
        try:
            yield buf
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            buf["text"] = (tmp.read().decode("utf-8", "replace") + pyout.getvalue()
                           + "".join(str(w.message) + "\n" for w in wl))


def short_error(e):
    msg = str(e).strip()
    # xgboost errors carry a native stack trace; keep the meaningful lines
    lines = [l for l in msg.splitlines() if l.strip() and not re.match(r"^\s*\[bt\]|^Stack trace", l)]
    # drop xgboost's "[hh:mm:ss] /build/path/file.cc:123: " prefix so messages are deterministic
    lines = [l for l in lines if not l.startswith("Objective candidate")]
    lines = [re.sub(r"^\s*\[\d\d:\d\d:\d\d\] (WARNING: )?\S+:\d+: ", r"\1", l) for l in lines]
    return "\n".join(lines[:4])[:600]


# ---------------------------------------------------------------------------
# synthetic data


def make_inputs(rng, n, nf, nan_cols=(0, 2), extreme=True):
    """Prediction inputs: normals with NaN, zeros, negatives and big values."""
    X = np.round(rng.normal(0.0, 1.5, size=(n, nf)), 3)
    for c in nan_cols:
        if c < nf:
            X[rng.choice(n, size=max(3, n // 8), replace=False), c] = NAN
    # zeros in a few columns
    for c in range(1, nf, 2):
        X[rng.choice(n, size=3, replace=False), c] = 0.0
    if extreme and n >= 8:
        X[1, :] = NAN  # a fully missing row
        X[2, :] = 0.0  # a fully zero row
        X[3, :] = -1.0e6
        X[4, :] = 1.0e6
        X[5, 0] = 3.0e38
        X[6, :] = -np.abs(X[6, :]) - 50.0
        X[7, 1 % nf] = 1.0e30
    return X


def make_train(rng, n, nf, nan_frac=0.08):
    X = rng.normal(0.0, 1.0, size=(n, nf))
    for c in (0, 2):
        if c < nf:
            X[rng.random(n) < nan_frac, c] = NAN
    return X


def latent(X):
    Z = np.nan_to_num(X, nan=0.0)
    nf = Z.shape[1]
    f = 1.2 * Z[:, 0] + 0.8 * np.sin(2.0 * Z[:, 1 % nf]) - 0.7 * Z[:, 2 % nf]
    if nf > 3:
        f = f + 0.5 * Z[:, 3] * Z[:, 0]
    f = f + np.where(np.isnan(X[:, 0]), 0.8, 0.0)  # missing is informative
    return f


# ---------------------------------------------------------------------------
# case bookkeeping


class Gen:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.skipped = []
        os.makedirs(os.path.join(out, "models"), exist_ok=True)
        os.makedirs(os.path.join(out, "data"), exist_ok=True)

    def skip(self, library, version, what, message):
        print(f"SKIP {library} {version} {what}: {message.splitlines()[0] if message else ''}", file=sys.stderr)
        self.skipped.append({"library": library, "version": version, "what": what, "message": message})

    def emit(self, case, X, outputs, notes=None):
        """outputs: dict kind -> numpy array (kinds value/margin/leaf)."""
        name = case["name"]
        assert re.fullmatch(r"[a-z0-9_]+", name), name
        assert name not in {c["name"] for c in self.cases}, name
        case["input"] = f"data/{name}.X.csv"
        write_csv(os.path.join(self.out, case["input"]), X)
        case["outputs"] = {}
        case["library_shape"] = {}
        for kind in ("value", "margin", "leaf"):
            if kind not in outputs:
                continue
            arr = np.asarray(outputs[kind])
            rel = f"data/{name}.{kind}.csv"
            shape = write_csv(os.path.join(self.out, rel), arr, integer=(kind == "leaf"))
            case["outputs"][kind] = {"file": rel, "shape": shape}
            case["library_shape"][kind] = [int(s) for s in arr.shape]
        if notes:
            case["notes"] = "; ".join(notes)
        self.cases.append(case)
        print(f"case {name}: rows={X.shape[0]} outputs={ {k: v['shape'] for k, v in case['outputs'].items()} }")


# ---------------------------------------------------------------------------
# XGBoost


def xgb_model_root(model_json):
    gb = model_json["learner"]["gradient_booster"]
    if "gbtree" in gb:  # dart
        gb = gb["gbtree"]
    return gb.get("model", {})


def xgb_thresholds(model_path, max_n=6):
    """(feature, threshold) pairs of numerical splits, to put exact threshold
    values into the inputs."""
    try:
        with open(model_path) as f:
            m = json.load(f)
        trees = xgb_model_root(m).get("trees", [])
    except Exception:
        return []
    out = []
    for t in trees:
        lc = t["left_children"]
        st = t.get("split_type", [0] * len(lc))
        for i, l in enumerate(lc):
            if l != -1 and st[i] == 0:
                out.append((int(t["split_indices"][i]), float(t["split_conditions"][i])))
    seen, res = set(), []
    for p in out:
        if p not in seen:
            seen.add(p)
            res.append(p)
    return res[:max_n]


def add_threshold_rows(X, pairs, rng):
    rows = []
    for j, (fi, thr) in enumerate(pairs):
        r = X[(j * 7 + 9) % X.shape[0]].copy()
        r[fi] = thr
        rows.append(r)
    if rows:
        X = np.vstack([X, np.array(rows)])
    return X


class XgbSuite:
    def __init__(self, g):
        self.g = g
        self.v = xgb.__version__
        self.vt = vtuple(self.v)
        self.p = xgb_prefix(self.v)

    def base_params(self, **kw):
        p = {"max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 7, "tree_method": "hist", "verbosity": 1}
        p.update(kw)
        return p

    def dmatrix(self, X, ft=None, **kw):
        if ft is not None:
            return xgb.DMatrix(X, missing=NAN, feature_types=ft, enable_categorical=True, **kw)
        return xgb.DMatrix(X, missing=NAN, **kw)

    def train(self, key, params, rounds, Xtr, ft=None, **info):
        """Train; returns booster or None (skip recorded)."""
        lbl = {k: v for k, v in info.items() if k in ("label", "qid", "weight")}
        try:
            with capture_fd2() as err:
                dtr = self.dmatrix(Xtr, ft, **lbl)
                for k in ("label_lower_bound", "label_upper_bound"):
                    if k in info:
                        dtr.set_float_info(k, info[k])
                bst = xgb.train(params, dtr, num_boost_round=rounds)
        except Exception as e:  # refused by this version
            self.g.skip("xgboost", self.v, f"{key}: params {pjson(params)}", short_error(e))
            return None
        if "not used" in err["text"] or "might not be used" in err["text"]:
            sys.stderr.write(err["text"])
        return bst, err["text"]

    def cases(self, key, objective, bst, Xp, nf, ft=None, views=None, formats=("json",), notes=None):
        """views: list of (suffix, dtype, (begin, end))."""
        views = views or [("", "float64", (0, 0))]
        paths = {}
        for fmt_ in formats:
            ext = "json" if fmt_ == "json" else "ubj"
            rel = f"models/{self.p}_{key}.{ext}"
            bst.save_model(os.path.join(self.g.out, rel))
            paths[fmt_] = rel
        pairs = xgb_thresholds(os.path.join(self.g.out, paths.get("json", list(paths.values())[0])))
        Xp = add_threshold_rows(Xp, pairs, None)
        for fmt_, rel in paths.items():
            for suffix, dtype, rng_ in views:
                name = f"{self.p}_{key}{suffix}" + ("_ubj" if fmt_ == "ubj" else "")
                Xd = Xp.astype(np.float32) if dtype == "float32" else Xp.astype(np.float64)
                d = self.dmatrix(Xd, ft)
                kw = {}
                if rng_ != (0, 0):
                    kw["iteration_range"] = rng_
                outs, n2 = {}, list(notes or [])
                for kind, extra in (("value", {}), ("margin", {"output_margin": True}), ("leaf", {"pred_leaf": True})):
                    try:
                        outs[kind] = bst.predict(d, **extra, **kw)
                    except Exception as e:
                        first = short_error(e).splitlines()[0]
                        if kind == "leaf" and rng_[0] > 0 and "model slicing" in first:
                            # xgboost refuses pred_leaf with iteration_range begin > 0 and asks for
                            # slicing; the sliced booster's leaves are those of rounds [begin, end)
                            try:
                                outs[kind] = bst[rng_[0]:rng_[1]].predict(d, **extra)
                                n2.append("leaf output made with booster[begin:end].predict(pred_leaf=True) because "
                                          f"xgboost refuses pred_leaf with iteration_range: {first}")
                                continue
                            except Exception as e2:
                                first = first + " / slicing: " + short_error(e2).splitlines()[0]
                        n2.append(f"{kind} output not available: xgboost says: {first}")
                case = {
                    "name": name, "library": "xgboost", "library_version": self.v,
                    "model": rel, "format": "xgboost-json" if fmt_ == "json" else "xgboost-ubjson",
                    "objective": objective, "num_features": int(nf), "dtype": dtype,
                    "iteration_begin": int(rng_[0]), "iteration_end": int(rng_[1]),
                }
                self.g.emit(case, Xd, outs, n2)

    def run(self):
        rng = np.random.default_rng(20240611)
        N, NP = 320, 56

        def std(key, objective, labeler, rounds=8, nf=5, extra=None, views=None, formats=("json",), notes=None,
                info_fn=None, skip_if=None):
            r = np.random.default_rng(abs(hash_str(key)) % (2**32))
            Xtr = make_train(r, N, nf)
            f = latent(Xtr)
            info = labeler(f, r) if labeler else {}
            if info_fn:
                info.update(info_fn(f, r))
            params = self.base_params(objective=objective, **(extra or {}))
            res = self.train(key, params, rounds, Xtr, **info)
            if res is None:
                return
            bst, err_text = res
            if skip_if:
                msg = skip_if(err_text)
                if msg:
                    self.g.skip("xgboost", self.v, f"{key}: params {pjson(params)}", msg)
                    return
            Xp = make_inputs(r, NP, nf)
            self.cases(key, objective, bst, Xp, nf, views=views, formats=formats, notes=notes)

        def reg(f, r):
            return {"label": f + r.normal(0, 0.3, size=f.shape)}

        def pos(f, r):
            return {"label": np.exp(0.5 * f) + r.gamma(1.0, 0.1, size=f.shape)}

        def prob(f, r):
            return {"label": 1 / (1 + np.exp(-f - r.normal(0, 0.5, size=f.shape)))}

        def binary(f, r):
            return {"label": (f + r.normal(0, 0.7, size=f.shape) > 0.2).astype(float)}

        def count(f, r):
            return {"label": r.poisson(np.exp(0.4 * f)).astype(float)}

        def tweedie(f, r):
            lam = np.exp(0.4 * f)
            y = np.where(r.random(f.shape) < 0.3, 0.0, r.gamma(2.0, lam / 2.0))
            return {"label": y}

        def cox(f, r):
            t = r.exponential(np.exp(-0.5 * f)) + 0.01
            cens = r.random(f.shape) < 0.25
            return {"label": np.where(cens, -t, t)}

        def aft(f, r):
            t = np.exp(0.5 * f + r.normal(0, 0.3, size=f.shape))
            lo = t.copy()
            hi = t.copy()
            cens = r.random(f.shape) < 0.3
            hi[cens] = np.inf  # right-censored
            return {"label": lo, "label_lower_bound": lo, "label_upper_bound": hi}

        def multi3(f, r):
            return {"label": np.digitize(f + r.normal(0, 0.4, size=f.shape), [-0.6, 0.6]).astype(float)}

        def rank(levels):
            def _l(f, r):
                y = np.clip(np.round((f + r.normal(0, 0.5, size=f.shape) + 1.5) / 3.0 * (levels - 1)), 0, levels - 1)
                return {"label": y, "qid": np.repeat(np.arange(len(f) // 16 + 1), 16)[: len(f)]}
            return _l

        v2 = self.vt >= (2, 0, 0)
        f32 = lambda: [("", "float64", (0, 0)), ("_f32", "float32", (0, 0))]

        # --- objectives
        std("reg_squarederror", "reg:squarederror", reg, views=f32(), formats=("json", "ubj"))
        std("reg_squarederror_base_score", "reg:squarederror", reg, extra={"base_score": 2.5})
        std("reg_squaredlogerror", "reg:squaredlogerror", pos)
        std("reg_pseudohubererror", "reg:pseudohubererror", reg, extra={"huber_slope": 0.8})
        std("reg_absoluteerror", "reg:absoluteerror", reg)
        std("reg_quantileerror", "reg:quantileerror", reg, extra={"quantile_alpha": 0.8})
        std("reg_quantileerror_multi", "reg:quantileerror", reg, extra={"quantile_alpha": np.array([0.1, 0.5, 0.9])})
        std("reg_logistic", "reg:logistic", prob)
        std("binary_logistic", "binary:logistic", binary, rounds=10,
            views=[("", "float64", (0, 0)), ("_f32", "float32", (0, 0)), ("_range_2_7", "float64", (2, 7)),
                   ("_range_0_5", "float64", (0, 5))],
            formats=("json", "ubj"))
        std("binary_logistic_base_score", "binary:logistic", binary, extra={"base_score": 0.3})
        std("binary_logitraw", "binary:logitraw", binary)
        std("binary_hinge", "binary:hinge", binary)
        std("count_poisson", "count:poisson", count)
        std("reg_gamma", "reg:gamma", pos)
        std("reg_tweedie", "reg:tweedie", tweedie, extra={"tweedie_variance_power": 1.4})
        std("survival_cox", "survival:cox", cox)
        std("survival_aft", "survival:aft", aft,
            extra={"aft_loss_distribution": "normal", "aft_loss_distribution_scale": 1.2})
        std("multi_softmax", "multi:softmax", multi3, rounds=5, extra={"num_class": 3})
        std("multi_softprob", "multi:softprob", multi3, rounds=6, extra={"num_class": 3},
            views=[("", "float64", (0, 0)), ("_f32", "float32", (0, 0)), ("_range_1_4", "float64", (1, 4))],
            formats=("json", "ubj"))
        std("rank_pairwise", "rank:pairwise", rank(4))
        std("rank_ndcg", "rank:ndcg", rank(4))
        std("rank_map", "rank:map", rank(2))

        # --- boosters
        std("dart", "binary:logistic", binary, rounds=10,
            extra={"booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0, "sample_type": "uniform",
                   "normalize_type": "tree"},
            views=[("", "float64", (0, 0)), ("_range_3_8", "float64", (3, 8))], formats=("json", "ubj"))
        std("dart_regression_forest", "reg:squarederror", reg, rounds=5,
            extra={"booster": "dart", "rate_drop": 0.4, "skip_drop": 0.0, "normalize_type": "forest"})
        std("gblinear", "reg:squarederror", reg, rounds=6,
            extra={"booster": "gblinear", "updater": "coord_descent", "eta": 0.5},
            notes=["gblinear: missing features contribute nothing"])
        std("gblinear_binary", "binary:logistic", binary, rounds=6,
            extra={"booster": "gblinear", "updater": "coord_descent", "eta": 0.5}, formats=("json", "ubj"))
        std("random_forest", "reg:squarederror", reg, rounds=1,
            extra={"num_parallel_tree": 4, "subsample": 0.8, "colsample_bynode": 0.8, "eta": 1.0})
        std("rf_multi_softprob", "multi:softprob", multi3, rounds=3,
            extra={"num_class": 3, "num_parallel_tree": 3, "subsample": 0.8, "colsample_bynode": 0.8},
            views=[("", "float64", (0, 0)), ("_range_1_3", "float64", (1, 3))])
        std("multi_target_one_output_per_tree", "reg:squarederror", None, rounds=4,
            info_fn=lambda f, r: {"label": np.stack([f, -0.5 * f, f ** 2 / 4], axis=1)})

        def mo_skip(err_text):
            if not v2:
                warn = " ".join(l.strip() for l in short_error(Exception(err_text)).splitlines())
                return (f"xgboost {self.v} has no multi_strategy parameter (added in 2.0) and trains one tree "
                        f"per target instead, so no multi_output_tree case is made. It only warns: {warn}")
            return None
        std("multi_target_multi_output_tree", "reg:squarederror", None, rounds=4,
            extra={"multi_strategy": "multi_output_tree"}, skip_if=mo_skip,
            notes=["multi_output_tree: leaf output is the node id; a leaf's vector is leaf_weights[k*right_children[node] : "
                   "k*(right_children[node]+1)] (split_conditions at leaves is 1e-45)"],
            info_fn=lambda f, r: {"label": np.stack([f, -0.5 * f, f ** 2 / 4], axis=1)},
            views=[("", "float64", (0, 0)), ("_range_1_3", "float64", (1, 3))], formats=("json", "ubj"))
        std("multi_softprob_multi_output_tree", "multi:softprob", multi3, rounds=4,
            extra={"num_class": 3, "multi_strategy": "multi_output_tree"}, skip_if=mo_skip,
            notes=["multi_output_tree: leaf output is the node id; a leaf's vector is leaf_weights[k*right_children[node] : "
                   "k*(right_children[node]+1)] (split_conditions at leaves is 1e-45)"])

        mo_note = ["multi_output_tree: leaf output is the node id; a leaf's vector is leaf_weights[k*right_children[node] : "
                   "k*(right_children[node]+1)] (split_conditions at leaves is 1e-45)"]
        three_targets = lambda f, r: {"label": np.stack([f, -0.5 * f, f ** 2 / 4], axis=1)}

        # --- added in xgboost 3.3: expectile regression (reg:expectileerror, expectile_alpha).
        # With several expectiles the margins are reparameterized so that the curves cannot
        # cross: value[0] = margin[0], value[k] = value[k-1] + 1e-6 + softplus(margin[k]), and
        # base_score (output space) becomes a margin by the inverse.
        if self.vt >= (3, 3, 0):
            expectiles = np.array([0.2, 0.5, 0.8])
            std("reg_expectileerror", "reg:expectileerror", reg, extra={"expectile_alpha": 0.7})
            std("reg_expectileerror_multi", "reg:expectileerror", reg, extra={"expectile_alpha": expectiles},
                views=[("", "float64", (0, 0)), ("_f32", "float32", (0, 0)), ("_range_2_6", "float64", (2, 6))],
                formats=("json", "ubj"))
            std("reg_expectileerror_multi_output_tree", "reg:expectileerror", reg,
                extra={"expectile_alpha": expectiles, "multi_strategy": "multi_output_tree"}, notes=mo_note)

        # --- xgboost 3.4 completed vector leaves (multi_output_tree) for hist: categorical
        # splits, DART, and the objectives whose leaves it changed (quantile, absolute error).
        if self.vt >= (3, 4, 0):
            std("multi_label_binary_logistic_multi_output_tree", "binary:logistic", None, rounds=5,
                extra={"multi_strategy": "multi_output_tree"}, notes=mo_note,
                info_fn=lambda f, r: {"label": np.stack([f > 0.2, f < -0.5, np.abs(f) > 1.0], axis=1).astype(float)})
            std("reg_quantileerror_multi_output_tree", "reg:quantileerror", reg, rounds=5,
                extra={"quantile_alpha": np.array([0.1, 0.5, 0.9]), "multi_strategy": "multi_output_tree"},
                notes=mo_note)
            std("reg_absoluteerror_multi_output_tree", "reg:absoluteerror", None, rounds=5,
                extra={"multi_strategy": "multi_output_tree"}, notes=mo_note, info_fn=three_targets)
            std("dart_multi_output_tree", "reg:squarederror", None, rounds=6,
                extra={"booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0, "multi_strategy": "multi_output_tree"},
                views=[("", "float64", (0, 0)), ("_range_2_5", "float64", (2, 5))], notes=mo_note,
                info_fn=three_targets)
            key = "categorical_multi_output_tree"
            r = np.random.default_rng(abs(hash_str(key)) % (2**32))
            nf, ft = 5, ["q", "c", "q", "c", "q"]
            Xtr = make_train(r, 480, nf)
            Xtr[:, 1] = r.integers(0, 36, size=480)  # partition splits (more than max_cat_to_onehot)
            Xtr[:, 3] = r.integers(0, 6, size=480)  # one-hot splits
            Xtr[r.random(480) < 0.05, 1] = NAN
            effect = np.array([((c * 7) % 11) / 5.0 - 1.0 for c in range(40)])
            f = latent(Xtr) * 0.5 + 2.0 * effect[np.nan_to_num(Xtr[:, 1], nan=0).astype(int)] + (Xtr[:, 3] == 2) * 1.5
            y = np.stack([f, -0.5 * f + (Xtr[:, 3] == 4), f ** 2 / 4], axis=1) + r.normal(0, 0.3, size=(480, 3))
            params = self.base_params(objective="reg:squarederror", multi_strategy="multi_output_tree",
                                      max_cat_to_onehot=8, max_depth=4)
            res = self.train(key, params, 6, Xtr, ft=ft, label=y)
            if res is not None:
                Xp = make_inputs(r, 60, nf)
                Xp[:, 1] = r.integers(0, 41, size=60)  # 36..40 never seen in training
                Xp[:, 3] = r.integers(0, 8, size=60)
                Xp[r.choice(60, 6, replace=False), 1] = NAN
                Xp[r.choice(60, 4, replace=False), 3] = NAN
                Xp[1, :] = NAN
                self.cases(key, "reg:squarederror", res[0], Xp, nf, ft=ft,
                           views=[("", "float64", (0, 0)), ("_range_2_5", "float64", (2, 5))], formats=("json", "ubj"),
                           notes=mo_note + ["features 1 (partition splits) and 3 (one-hot splits) are categorical; "
                                            "inputs include categories never seen in training (36..40, 6..7) and NaN"])

        # --- categorical
        for key, onehot in (("categorical_onehot", 64), ("categorical_partition", 1)):
            r = np.random.default_rng(abs(hash_str(key)) % (2**32))
            nf = 5
            ft = ["q", "c", "q", "c", "q"]
            Xtr = make_train(r, 480, nf)
            Xtr[:, 1] = r.integers(0, 36, size=480)  # 36 categories seen
            Xtr[:, 3] = r.integers(0, 6, size=480)
            Xtr[r.random(480) < 0.05, 1] = NAN
            effect = np.array([((c * 7) % 11) / 5.0 - 1.0 for c in range(40)])
            c1 = np.nan_to_num(Xtr[:, 1], nan=0).astype(int)
            f = latent(Xtr) * 0.5 + 2.0 * effect[c1] + (Xtr[:, 3] == 2) * 1.5
            y = (f + r.normal(0, 0.4, size=480) > 0).astype(float)
            params = self.base_params(objective="binary:logistic", max_cat_to_onehot=onehot, max_depth=4)
            res = self.train(key, params, 10, Xtr, ft=ft, label=y)
            if res is None:
                continue
            bst, _ = res
            Xp = make_inputs(r, 60, nf)
            Xp[:, 1] = r.integers(0, 41, size=60)  # 36..40 never seen in training
            Xp[:, 3] = r.integers(0, 8, size=60)
            Xp[r.choice(60, 6, replace=False), 1] = NAN
            Xp[r.choice(60, 4, replace=False), 3] = NAN
            Xp[1, :] = NAN
            Xp[3, 1] = 0.0
            Xp[4, 1] = 39.0
            views = [("", "float64", (0, 0))]
            if onehot == 1:
                views += [("_f32", "float32", (0, 0)), ("_range_2_6", "float64", (2, 6))]
            self.cases(key, "binary:logistic", bst, Xp, nf, ft=ft, views=views, formats=("json", "ubj"),
                       notes=["features 1 and 3 are categorical (feature_types c); inputs include categories never "
                              "seen in training (36..40, 6..7) and NaN"])
        # categorical multiclass with partition splits
        key = "categorical_multi_softprob"
        r = np.random.default_rng(abs(hash_str(key)) % (2**32))
        nf, ft = 4, ["c", "q", "q", "q"]
        Xtr = make_train(r, 480, nf)
        Xtr[:, 0] = r.integers(0, 20, size=480)
        y = ((Xtr[:, 0] % 3) + (np.nan_to_num(Xtr[:, 1]) > 0.8)) % 3
        res = self.train(key, self.base_params(objective="multi:softprob", num_class=3, max_cat_to_onehot=1),
                         4, Xtr, ft=ft, label=y.astype(float))
        if res:
            Xp = make_inputs(r, 50, nf)
            Xp[:, 0] = r.integers(0, 24, size=50)
            Xp[r.choice(50, 5, replace=False), 0] = NAN
            Xp[1, :] = NAN
            self.cases(key, "multi:softprob", res[0], Xp, nf, ft=ft, notes=["feature 0 is categorical"])

        # --- big-ish
        key = "bigish_binary_logistic"
        r = np.random.default_rng(abs(hash_str(key)) % (2**32))
        nf = 8
        Xtr = make_train(r, 2000, nf)
        y = (latent(Xtr) + 0.3 * np.nan_to_num(Xtr[:, 5]) * np.nan_to_num(Xtr[:, 6]) + r.normal(0, 0.6, 2000) > 0)
        res = self.train(key, self.base_params(objective="binary:logistic", max_depth=6, eta=0.1,
                                               subsample=0.9), 50, Xtr, label=y.astype(float))
        if res:
            Xp = make_inputs(r, 194, nf, nan_cols=(0, 2, 5))
            self.cases(key, "binary:logistic", res[0], Xp, nf,
                       views=[("", "float64", (0, 0)), ("_f32", "float32", (0, 0))])


def pjson(params):
    return json.dumps(params, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


def hash_str(s):
    h = 2166136261
    for ch in s.encode():
        h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
    return h


# ---------------------------------------------------------------------------
# LightGBM


def lgb_thresholds(bst, max_n=6):
    try:
        info = bst.dump_model()["tree_info"]
    except Exception:
        return []
    out = []

    def walk(n):
        if "split_feature" not in n:
            return
        if n.get("decision_type") == "<=":
            out.append((int(n["split_feature"]), float(n["threshold"])))
        walk(n["left_child"])
        walk(n["right_child"])

    for t in info:
        walk(t["tree_structure"])
    seen, res = set(), []
    for p in out:
        if p not in seen and abs(p[1]) < 1e30:
            seen.add(p)
            res.append(p)
    return res[:max_n]


class LgbSuite:
    def __init__(self, g):
        self.g = g
        self.v = lgb.__version__
        self.vt = vtuple(self.v)
        self.p = f"lgb{self.vt[0]}"

    def base_params(self, **kw):
        p = {"num_leaves": 8, "max_depth": 4, "learning_rate": 0.3, "num_threads": 1, "seed": 11,
             "deterministic": True, "force_col_wise": True, "verbose": -1, "min_data_in_leaf": 10}
        p.update(kw)
        return p

    def train(self, key, params, rounds, Xtr, y, group=None, cat=None):
        try:
            ds = lgb.Dataset(Xtr, label=y, group=group,
                             categorical_feature=cat if cat is not None else "auto", free_raw_data=False)
            with capture_fd2():
                bst = lgb.train(params, ds, num_boost_round=rounds)
        except Exception as e:
            self.g.skip("lightgbm", self.v, f"{key}: params {pjson(params)}", short_error(e))
            return None
        return bst

    def cases(self, key, objective, bst, Xp, nf, views=None, notes=None):
        views = views or [("", "float64", (0, 0))]
        rel = f"models/{self.p}_{key}.txt"
        bst.save_model(os.path.join(self.g.out, rel))
        Xp = add_threshold_rows(Xp, lgb_thresholds(bst), None)
        for suffix, dtype, rng_ in views:
            name = f"{self.p}_{key}{suffix}"
            Xd = Xp.astype(np.float32) if dtype == "float32" else Xp.astype(np.float64)
            kw = {}
            if rng_ != (0, 0):
                kw = {"start_iteration": rng_[0], "num_iteration": rng_[1] - rng_[0]}
            outs, n2 = {}, list(notes or [])
            for kind, extra in (("value", {}), ("margin", {"raw_score": True}), ("leaf", {"pred_leaf": True})):
                try:
                    outs[kind] = bst.predict(Xd, **extra, **kw)
                except Exception as e:
                    n2.append(f"{kind} output not available: lightgbm says: {short_error(e).splitlines()[0]}")
            case = {
                "name": name, "library": "lightgbm", "library_version": self.v, "model": rel,
                "format": "lightgbm-text", "objective": objective, "num_features": int(nf), "dtype": dtype,
                "iteration_begin": int(rng_[0]), "iteration_end": int(rng_[1]),
            }
            self.g.emit(case, Xd, outs, n2)

    def run(self):
        N, NP = 400, 56

        def std(key, objective, labeler, rounds=8, nf=5, extra=None, views=None, notes=None, group=False,
                train_mod=None, pred_mod=None):
            r = np.random.default_rng(abs(hash_str("lgb" + key)) % (2**32))
            Xtr = make_train(r, N, nf)
            if train_mod:
                train_mod(Xtr, r)
            y = labeler(latent(Xtr), r)
            params = self.base_params(objective=objective, **(extra or {}))
            grp = [16] * (N // 16) if group else None
            bst = self.train(key, params, rounds, Xtr, y, group=grp)
            if bst is None:
                return
            Xp = make_inputs(r, NP, nf)
            if pred_mod:
                pred_mod(Xp, r)
            self.cases(key, objective, bst, Xp, nf, views=views, notes=notes)

        reg = lambda f, r: f + r.normal(0, 0.3, size=f.shape)
        pos = lambda f, r: np.exp(0.5 * f) + r.gamma(1.0, 0.1, size=f.shape)
        prob = lambda f, r: 1 / (1 + np.exp(-f - r.normal(0, 0.5, size=f.shape)))
        binary = lambda f, r: (f + r.normal(0, 0.7, size=f.shape) > 0.2).astype(float)
        count = lambda f, r: r.poisson(np.exp(0.4 * f)).astype(float)
        multi3 = lambda f, r: np.digitize(f + r.normal(0, 0.4, size=f.shape), [-0.6, 0.6]).astype(float)

        def tweedie(f, r):
            lam = np.exp(0.4 * f)
            return np.where(r.random(f.shape) < 0.3, 0.0, r.gamma(2.0, lam / 2.0))

        def rank(f, r):
            return np.clip(np.round((f + r.normal(0, 0.5, size=f.shape) + 1.5)), 0, 3)

        f32 = [("", "float64", (0, 0)), ("_f32", "float32", (0, 0))]

        std("regression", "regression", reg, views=f32 + [("_range_2_6", "float64", (2, 6))])
        std("regression_l1", "regression_l1", reg)
        std("huber", "huber", reg, extra={"alpha": 0.9})
        std("fair", "fair", reg, extra={"fair_c": 0.8})
        std("quantile", "quantile", reg, extra={"alpha": 0.8})
        std("mape", "mape", pos)
        std("binary", "binary", binary, rounds=10, views=f32 + [("_range_3_9", "float64", (3, 9))])
        std("binary_sigmoid_0_5", "binary", binary, extra={"sigmoid": 0.5})
        std("multiclass", "multiclass", multi3, rounds=5, extra={"num_class": 3},
            views=f32 + [("_range_1_4", "float64", (1, 4))])
        std("multiclassova", "multiclassova", multi3, rounds=5, extra={"num_class": 3})
        std("cross_entropy", "cross_entropy", prob)
        std("cross_entropy_lambda", "cross_entropy_lambda", prob)
        std("poisson", "poisson", count)
        std("gamma", "gamma", pos)
        std("tweedie", "tweedie", tweedie, extra={"tweedie_variance_power": 1.4})
        std("lambdarank", "lambdarank", rank, group=True)
        std("rank_xendcg", "rank_xendcg", rank, group=True)
        std("rf", "regression", reg, rounds=6,
            extra={"boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1, "feature_fraction": 0.8},
            views=[("", "float64", (0, 0)), ("_range_2_5", "float64", (2, 5))],
            notes=["average_output model: lightgbm's raw_score (margin) is the plain SUM over the trees used, while value is "
                   "transform(sum / number of iterations used)"])
        std("rf_binary", "binary", binary, rounds=5,
            extra={"boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1},
            notes=["average_output model: lightgbm's raw_score (margin) is the plain SUM over the trees used, while value is "
                   "transform(sum / number of iterations used)"])
        std("dart", "binary", binary, rounds=10,
            extra={"boosting": "dart", "drop_rate": 0.3, "skip_drop": 0.0},
            views=[("", "float64", (0, 0)), ("_range_2_8", "float64", (2, 8))])
        std("reg_sqrt", "regression", pos, extra={"reg_sqrt": True})

        # missing value handling
        def zeros_train(Xtr, r):
            Xtr[r.random(Xtr.shape[0]) < 0.15, 1] = 0.0
            Xtr[r.random(Xtr.shape[0]) < 0.15, 3] = 0.0

        std("missing_use_missing_true", "regression", reg, extra={"use_missing": True}, train_mod=zeros_train,
            notes=["training data has NaN in features 0 and 2"])
        std("missing_zero_as_missing", "regression", reg, extra={"zero_as_missing": True}, train_mod=zeros_train,
            notes=["zero_as_missing=true: zeros and NaN are both missing"])
        std("missing_use_missing_false", "regression", reg, extra={"use_missing": False}, train_mod=zeros_train,
            notes=["use_missing=false: NaN is converted to 0.0"])

        # linear trees (linear_tree=true): each leaf is leaf_const + coefficients over some
        # features; a NaN in any of a leaf's features gives its plain leaf_value instead.
        # The training data has NaN in features 0 and 2 (make_train), and so do the inputs.
        linear_note = ["linear_tree=true: leaves hold linear models; inputs have NaN in features "
                       "the leaves' models read (0 and 2) and a fully-NaN row"]
        std("linear_binary", "binary", binary, rounds=8, extra={"linear_tree": True},
            views=f32 + [("_range_2_6", "float64", (2, 6))], notes=linear_note)
        std("linear_regression_missing", "regression", reg, extra={"linear_tree": True}, notes=linear_note)
        std("linear_multiclass", "multiclass", multi3, rounds=5, extra={"linear_tree": True, "num_class": 3},
            notes=linear_note)
        std("linear_lambda", "regression", reg, extra={"linear_tree": True, "linear_lambda": 1.0},
            notes=linear_note + ["linear_lambda=1.0"])

        # categorical
        key = "categorical"
        r = np.random.default_rng(abs(hash_str("lgb" + key)) % (2**32))
        nf = 6
        Xtr = make_train(r, 600, nf)
        Xtr[:, 1] = r.integers(0, 36, size=600)  # many-vs-many
        Xtr[:, 4] = r.integers(0, 3, size=600)  # one-vs-rest (<= max_cat_to_onehot)
        Xtr[r.random(600) < 0.05, 1] = NAN
        effect = np.array([((c * 7) % 11) / 5.0 - 1.0 for c in range(40)])
        c1 = np.nan_to_num(Xtr[:, 1], nan=0).astype(int)
        f = 0.5 * latent(Xtr) + 2.0 * effect[c1] + (Xtr[:, 4] == 1) * 1.5
        y = f + r.normal(0, 0.3, size=600)
        params = self.base_params(objective="regression", min_data_per_group=5, cat_smooth=1.0,
                                  max_cat_threshold=16, cat_l2=1.0, min_data_in_leaf=5, num_leaves=12)
        bst = self.train(key, params, 10, Xtr, y, cat=[1, 4])
        if bst is not None:
            Xp = make_inputs(r, 60, nf)
            Xp[:, 1] = r.integers(-3, 41, size=60)  # negatives and 36..40 never seen
            Xp[:, 4] = r.integers(-1, 5, size=60)
            Xp[r.choice(60, 5, replace=False), 1] = NAN
            Xp[1, :] = NAN
            Xp[4, 1] = 1.0e6
            Xp[5, 1] = 2.5  # non-integer category value
            Xp[6, 4] = -0.5
            self.cases(key, "regression", bst, Xp, nf,
                       views=[("", "float64", (0, 0)), ("_f32", "float32", (0, 0)), ("_range_3_8", "float64", (3, 8))],
                       notes=["features 1 and 4 categorical (categorical_feature=[1,4]); inputs include negative, "
                              "unseen, non-integer and NaN categories"])
        key = "categorical_binary"
        r = np.random.default_rng(abs(hash_str("lgb" + key)) % (2**32))
        nf = 4
        Xtr = make_train(r, 600, nf)
        Xtr[:, 0] = r.integers(0, 25, size=600)
        y = (((Xtr[:, 0] % 4) == 1) ^ (np.nan_to_num(Xtr[:, 2]) > 0.5)).astype(float)
        bst = self.train(key, self.base_params(objective="binary", min_data_per_group=5, cat_smooth=1.0,
                                               min_data_in_leaf=5), 8, Xtr, y, cat=[0])
        if bst is not None:
            Xp = make_inputs(r, 50, nf)
            Xp[:, 0] = r.integers(-2, 30, size=50)
            Xp[1, :] = NAN
            self.cases(key, "binary", bst, Xp, nf, notes=["feature 0 categorical"])

        # big-ish
        key = "bigish_binary"
        r = np.random.default_rng(abs(hash_str("lgb" + key)) % (2**32))
        nf = 8
        Xtr = make_train(r, 2000, nf)
        y = (latent(Xtr) + 0.3 * np.nan_to_num(Xtr[:, 5]) * np.nan_to_num(Xtr[:, 6]) + r.normal(0, 0.6, 2000) > 0)
        bst = self.train(key, self.base_params(objective="binary", num_leaves=31, max_depth=-1, learning_rate=0.1,
                                               min_data_in_leaf=20), 50, Xtr, y.astype(float))
        if bst is not None:
            Xp = make_inputs(r, 194, nf, nan_cols=(0, 2, 5))
            self.cases(key, "binary", bst, Xp, nf, views=f32)


# ---------------------------------------------------------------------------
# merging into the manifest / SKIPPED.md


def merge_manifest(out, cases, versions):
    path = os.path.join(out, "manifest.json")
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f).get("cases", [])
    keep = [c for c in old if (c["library"], c["library_version"]) not in versions]
    names = {c["name"] for c in keep}
    for c in cases:
        assert c["name"] not in names, f"duplicate case name {c['name']}"
    allc = sorted(keep + cases, key=lambda c: c["name"])
    with open(path, "w", newline="\n") as f:
        json.dump({"cases": allc}, f, indent=1, sort_keys=False)
        f.write("\n")


def merge_skipped(out, skipped, versions):
    path = os.path.join(out, "SKIPPED.md")
    sections = {}
    if os.path.exists(path):
        cur = None
        with open(path) as f:
            for line in f:
                if line.startswith("## "):
                    cur = line[3:].strip()
                    sections[cur] = []
                elif cur is not None:
                    sections[cur].append(line)
    for lib, ver in versions:
        title = f"{lib} {ver}"
        body = ["\n"]
        mine = [s for s in skipped if (s["library"], s["version"]) == (lib, ver)]
        if not mine:
            body.append("Nothing skipped.\n\n")
        for s in mine:
            body.append(f"- **{s['what']}**\n\n")
            body.append("  ```\n")
            for l in s["message"].splitlines():
                body.append(f"  {l}\n")
            body.append("  ```\n\n")
        sections[title] = body
    with open(path, "w", newline="\n") as f:
        f.write("# Skipped conformance combinations\n\n")
        f.write("Generated by tests/gen/make_vectors.py: combinations the named library version refused or\n"
                "does not support, with the library's own message.\n\n")
        for title in sorted(sections):
            f.write(f"## {title}\n")
            f.writelines(sections[title])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", choices=["xgboost", "lightgbm"], default=None)
    a = ap.parse_args()
    g = Gen(a.out)
    versions = set()
    if xgb is not None and a.only in (None, "xgboost"):
        XgbSuite(g).run()
        versions.add(("xgboost", xgb.__version__))
    if lgb is not None and a.only in (None, "lightgbm"):
        LgbSuite(g).run()
        versions.add(("lightgbm", lgb.__version__))
    if not versions:
        sys.exit("neither xgboost nor lightgbm importable")
    merge_manifest(a.out, g.cases, versions)
    merge_skipped(a.out, g.skipped, versions)
    print(f"{len(g.cases)} cases, {len(g.skipped)} skipped for {sorted(versions)}")


if __name__ == "__main__":
    main()
