"""Model.predict(X, base_margin=...): per-row margin offsets, as XGBoost's
DMatrix(base_margin=...), checked against tests/vectors/offsets (made by XGBoost with
base_margin and by LightGBM with init_score added by hand)."""
import json

import numpy as np
import pytest
import scipy.sparse

import polyscore
from vectors_util import VECTORS

OFFSETS = VECTORS / "offsets"
with open(OFFSETS / "manifest.json") as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}


def load_csv(relative):
    return np.loadtxt(OFFSETS / relative, delimiter=",", ndmin=2)


def expected(case, output):
    """The library's output in the binding's shapes (XGBoost's)."""
    e = load_csv(case["outputs"][output]["file"])
    margins = case["num_margins"]
    if output == "contrib" and margins > 1:
        return e.reshape(len(e), margins, -1)
    if output == "interactions":  # (rows, F + 1, F + 1), or with a margins axis
        columns = case["num_features"] + 1
        return e.reshape((len(e), margins, columns, columns) if margins > 1 else (len(e), columns, columns))
    return e[:, 0] if e.shape[1] == 1 else e


def assert_same(case, want, got):
    # XGBoost's float32 results are repeated to the bit; LightGBM's value is numpy's exp.
    if case["library"] == "lightgbm":
        np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("output", ["value", "margin", "contrib", "interactions"])
def test_base_margin_matches_the_library(name, output):
    case = CASES[name]
    if output not in case["outputs"]:
        pytest.skip("no %s vector for %s" % (output, name))  # gblinear: no interactions; 3.3+: no SHAP
    X = load_csv(case["input"])
    bm = load_csv(case["base_margin"])
    bm = bm[:, 0] if case["num_margins"] == 1 else bm  # as one passes it to XGBoost
    want = expected(case, output)
    with polyscore.Model.load(OFFSETS / case["model"]) as m:
        assert_same(case, want, m.predict(X, output=output, base_margin=bm))
        assert_same(case, want, m.predict(X.astype(np.float32), output=output, base_margin=bm))
        assert_same(case, want, m.predict(X, output=output, base_margin=bm.reshape(-1)))
        # Sparse input: absent entries are what the library makes of them.
        absent = 0.0 if case["library"] == "lightgbm" else np.nan
        present = ~np.isnan(X) if np.isnan(absent) else X != 0.0
        rows, cols = np.nonzero(present)
        csr = scipy.sparse.csr_matrix((X[rows, cols], (rows, cols)), shape=X.shape)
        assert_same(case, want, m.predict(csr, output=output, base_margin=bm))
        # Without it, the model's base score: other numbers (so the checks above can fail).
        assert not np.array_equal(m.predict(X, output=output), want)
        # The cached options of this request are not left pointing at the offsets.
        np.testing.assert_array_equal(m.predict(X, output=output), m.predict(X, output=output, base_margin=None))


def test_wrong_length_names_the_expected_length():
    case = CASES["xgb3_offset_softprob"]
    X = load_csv(case["input"])
    with polyscore.Model.load(OFFSETS / case["model"]) as m:
        with pytest.raises(polyscore.InvalidArgumentError, match=r"expected 40 rows x 3 margins = 120"):
            m.predict(X, base_margin=np.zeros(40))
        with pytest.raises(polyscore.InvalidArgumentError, match=r"\(rows,\) or \(rows, num_margins\)"):
            m.predict(X, base_margin=np.zeros((3, 40)))


def test_leaf_output_is_refused():
    case = CASES["xgb3_offset_binary"]
    with polyscore.Model.load(OFFSETS / case["model"]) as m:
        with pytest.raises(polyscore.InvalidArgumentError, match="PS_OUTPUT_LEAF"):
            m.predict(load_csv(case["input"]), output="leaf", base_margin=np.zeros(40))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("output", ["value", "margin", "contrib"])
def test_predict_row_base_margin_matches_the_library(name, output):
    case = CASES[name]
    if output not in case["outputs"]:
        pytest.skip("no %s vector for %s" % (output, name))  # XGBoost 3.3+: no contrib vectors
    X = load_csv(case["input"])
    bm = load_csv(case["base_margin"])  # (rows, num_margins)
    want = expected(case, output).reshape(len(X), -1)  # one row's values, flat
    with polyscore.Model.load(OFFSETS / case["model"]) as m:
        plain = m.predict_row(X[0], output=output)  # caches the hot path's plan first
        for r in range(5):
            assert_same(case, want[r], m.predict_row(X[r], output=output, base_margin=bm[r]))
            assert_same(case, want[r], m.predict_row(list(X[r]), output=output,
                                                     base_margin=list(bm[r])))
        if case["num_margins"] == 1:  # one offset may be a plain number
            assert_same(case, want[0], m.predict_row(X[0], output=output, base_margin=float(bm[0, 0])))
        # Without it, the model's base score (so the checks above can fail), and the hot
        # path's cached plan is not left pointing at the offsets.
        assert not np.array_equal(plain, want[0])
        np.testing.assert_array_equal(m.predict_row(X[0], output=output), plain)


def test_predict_row_bad_base_margin():
    case = CASES["xgb3_offset_softprob"]
    X = load_csv(case["input"])
    with polyscore.Model.load(OFFSETS / case["model"]) as m:
        with pytest.raises(polyscore.InvalidArgumentError, match=r"expected 1 rows x 3 margins = 3"):
            m.predict_row(X[0], base_margin=[0.5])
        with pytest.raises(polyscore.InvalidArgumentError, match="PS_OUTPUT_LEAF"):
            m.predict_row(X[0], output="leaf", base_margin=[0.0, 0.0, 0.0])
        with pytest.raises(polyscore.InvalidArgumentError):
            m.predict_row(X[0], base_margin=["a", "b", "c"])
