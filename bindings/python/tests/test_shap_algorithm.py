"""shap_algorithm (ps_predict_options.shap_algorithm, ABI 6): the keyword picks the SHAP
algorithm, bit for bit against the training libraries' own vectors. xgb34_* files were
explained by XGBoost 3.4.1 (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact
TreeSHAP), so each case gives its vector under its own algorithm and not under the other;
under the other it gives the cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0
explaining the 3.4.1 file, XGBoost 3.4.1 explaining the 3.2.0 file)."""
import json

import numpy as np
import pytest

import polyscore
from vectors_util import CASES_BY_NAME, VECTORS, case_input, read_csv

QUADRATURE_CASE = "xgb34_binary_logistic"  # XGBoost 3.4.1's pred_contribs: QuadratureTreeSHAP
TREESHAP_CASE = "xgb3_binary_logistic"     # XGBoost 3.2.0's pred_contribs: exact TreeSHAP
LIGHTGBM_CASE = "lgb4_binary"
with open(VECTORS / "shap_algorithms" / "manifest.json") as f:
    CROSS = {c["name"]: c for c in json.load(f)["cases"]}


def cross_vector(case, algorithm, output="contrib"):
    """The other XGBoost's values for case under algorithm (XGBoost's own bits)."""
    return read_csv(VECTORS / "shap_algorithms" / CROSS["%s.%s" % (case, algorithm)][output]["file"])


def load(name):
    return polyscore.Model.load(VECTORS / CASES_BY_NAME[name]["model"])


def contrib_case(name):
    case = CASES_BY_NAME[name]
    X = case_input(case)
    return X, read_csv(VECTORS / case["outputs"]["contrib"]["file"])


def test_quadrature_gives_xgboost_34_bits_and_treeshap_does_not():
    X, expected = contrib_case(QUADRATURE_CASE)
    with load(QUADRATURE_CASE) as m:
        auto = m.predict(X, output="contrib")
        quadrature = m.predict(X, output="contrib", shap_algorithm="quadrature")
        treeshap = m.predict(X, output="contrib", shap_algorithm="treeshap")
    np.testing.assert_array_equal(auto, expected)
    np.testing.assert_array_equal(quadrature, expected)
    assert not np.array_equal(treeshap, expected)  # other rounding ...
    np.testing.assert_allclose(treeshap, expected, rtol=1e-5, atol=1e-6)  # ... same values
    # ... and XGBoost 3.2.0's own bits explaining this 3.4.1 file
    np.testing.assert_array_equal(treeshap, cross_vector(QUADRATURE_CASE, "treeshap"))


def test_treeshap_gives_xgboost_32_bits_and_quadrature_does_not():
    X, expected = contrib_case(TREESHAP_CASE)
    with load(TREESHAP_CASE) as m:
        np.testing.assert_array_equal(m.predict(X, output="contrib"), expected)
        np.testing.assert_array_equal(m.predict(X, output="contrib", shap_algorithm="treeshap"), expected)
        quadrature = m.predict(X, output="contrib", shap_algorithm="quadrature")
    assert not np.array_equal(quadrature, expected)
    np.testing.assert_allclose(quadrature, expected, rtol=1e-5, atol=1e-6)
    # XGBoost 3.4.1's own bits explaining this 3.2.0 file (what its pred_contribs gives)
    np.testing.assert_array_equal(quadrature, cross_vector(TREESHAP_CASE, "quadrature"))


def test_interactions_follow_the_option():
    case = CASES_BY_NAME[QUADRATURE_CASE]
    spec = case["interactions"]
    expected = read_csv(VECTORS / spec["file"])
    X = case_input(case)[:spec["shape"][0]]
    with load(QUADRATURE_CASE) as m:
        quadrature = m.predict(X, output="interactions", shap_algorithm="quadrature")
        treeshap = m.predict(X, output="interactions", shap_algorithm="treeshap")
    np.testing.assert_array_equal(quadrature.reshape(expected.shape), expected)
    assert not np.array_equal(treeshap.reshape(expected.shape), expected)
    cross = cross_vector(QUADRATURE_CASE, "treeshap", "interactions")  # the first rows only
    np.testing.assert_array_equal(treeshap.reshape(expected.shape)[:len(cross)], cross)


def test_predict_row_and_sparse_input_take_the_option():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X, expected = contrib_case(TREESHAP_CASE)
    with load(TREESHAP_CASE) as m:
        for i in range(3):
            got = m.predict_row(X[i], output="contrib", shap_algorithm="quadrature")
            np.testing.assert_array_equal(
                got, m.predict(X[i:i + 1], output="contrib", shap_algorithm="quadrature")[0])
        assert not np.array_equal(
            m.predict_row(X[0], output="contrib", shap_algorithm="quadrature"), expected[0])
        np.testing.assert_array_equal(m.predict_row(X[0], output="contrib"), expected[0])
        # an entry absent from a CSR row is missing for XGBoost, as NaN in a dense row
        sparse = m.predict(scipy_sparse.csr_matrix(np.nan_to_num(X)), output="contrib",
                           shap_algorithm="quadrature")
        dense = m.predict(np.where(np.nan_to_num(X) == 0, np.nan, X), output="contrib",
                          shap_algorithm="quadrature")
        np.testing.assert_array_equal(sparse, dense)
        assert not np.array_equal(sparse, m.predict(scipy_sparse.csr_matrix(np.nan_to_num(X)),
                                                    output="contrib", shap_algorithm="treeshap"))


def test_an_unknown_name_is_refused_naming_it_and_the_names():
    X, _ = contrib_case(QUADRATURE_CASE)
    with load(QUADRATURE_CASE) as m:
        for bad in ["exact", "QUADRATURE", 2, None]:
            with pytest.raises(polyscore.InvalidArgumentError) as e:
                m.predict(X, output="contrib", shap_algorithm=bad)
            assert repr(bad) in str(e.value)
            assert "auto, treeshap, quadrature" in str(e.value)
            with pytest.raises(polyscore.InvalidArgumentError):
                m.predict_row(X[0], output="contrib", shap_algorithm=bad)
        assert issubclass(polyscore.InvalidArgumentError, ValueError)
    assert polyscore.SHAP_ALGORITHM_NAMES == ("auto", "treeshap", "quadrature")


def test_quadrature_on_lightgbm_is_unsupported():
    case = CASES_BY_NAME[LIGHTGBM_CASE]
    X = case_input(case)
    with load(LIGHTGBM_CASE) as m:
        with pytest.raises(polyscore.UnsupportedError, match="(?i)quadrature"):
            m.predict(X, output="contrib", shap_algorithm="quadrature")
        np.testing.assert_array_equal(  # LightGBM's own algorithm is exact TreeSHAP
            m.predict(X, output="contrib", shap_algorithm="treeshap"), m.predict(X, output="contrib"))
