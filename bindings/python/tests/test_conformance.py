"""Every case of tests/vectors/manifest.json, all output kinds: the binding's result has
the training library's shape, matches the library's expected values (the tolerance of
the C tests) and equals the C library's own result (CLI) bit for bit."""
import numpy as np
import pytest

import polyscore
from vectors_util import CASES, CLI, VECTORS, case_input, cli_predict, read_csv

PARAMS = [pytest.param(c["name"], o, id="%s-%s" % (c["name"], o))
          for c in CASES for o in ("value", "margin", "leaf", "contrib") if o in c["outputs"]]
# Interaction values: an entry of their own, for the first rows of the input.
PARAMS += [pytest.param(c["name"], "interactions", id="%s-interactions" % c["name"])
           for c in CASES if "interactions" in c]
CASE = {c["name"]: c for c in CASES}
_models = {}


def model_for(case):
    path = VECTORS / case["model"]
    if path not in _models:
        _models[path] = polyscore.Model.load(path)
    return _models[path]


def assert_close(expected, actual, rel):
    both_nan = np.isnan(expected) & np.isnan(actual)
    equal = expected == actual
    tol = rel * np.maximum(np.abs(expected), np.abs(actual))
    with np.errstate(invalid="ignore"):  # inf - inf where both are the same infinity
        ok = both_nan | equal | (np.abs(expected - actual) <= tol)
    bad = np.argwhere(~ok)
    assert bad.size == 0, "first mismatch at %s: expected %r got %r" % (
        tuple(bad[0]), expected[tuple(bad[0])], actual[tuple(bad[0])])


@pytest.mark.parametrize("name,output", PARAMS)
def test_case(name, output):
    case = CASE[name]
    m = model_for(case)
    assert m.info.num_features == case["num_features"]
    spec = case["interactions"] if output == "interactions" else case["outputs"][output]
    n_rows = spec["shape"][0]
    X = case_input(case)[:n_rows]
    rng = (case["iteration_begin"], case["iteration_end"])
    got = m.predict(X, output=output, iteration_range=rng)
    assert got.dtype == np.float64
    shape = list(got.shape)
    if output == "contrib" and case["library"] == "lightgbm":
        shape = [shape[0], int(np.prod(shape[1:]))]  # LightGBM's 2-D layout of the same values
    assert shape == (spec["library_shape"] if output == "interactions" else case["library_shape"][output])
    expected = read_csv(VECTORS / spec["file"])
    assert list(expected.shape) == spec["shape"]
    rel = 1e-5 if case["dtype"] == "float32" else 1e-6
    assert_close(expected, got.reshape(expected.shape), rel)
    if rng == (0, 0) and CLI.exists():
        # The CLI reads the rows as float64; float32 inputs hold exact float32 values,
        # so the C library's answer is the same bits either way.
        c_result = cli_predict(VECTORS / case["model"], VECTORS / case["input"], output)
        np.testing.assert_array_equal(got.reshape(expected.shape), c_result[:n_rows])


@pytest.mark.parametrize("name", [c["name"] for c in CASES if c["dtype"] == "float64"])
def test_single_row_and_csr_paths_agree(name):
    """predict_row and CSR input give the same bits as dense input (value output)."""
    case = CASE[name]
    m = model_for(case)
    X = case_input(case)
    rng = (case["iteration_begin"], case["iteration_end"])
    dense = m.predict(X, iteration_range=rng)
    dense2 = dense.reshape(X.shape[0], -1)
    for r in range(0, X.shape[0], max(1, X.shape[0] // 7)):
        np.testing.assert_array_equal(m.predict_row(X[r], iteration_range=rng), dense2[r])
    sparse = pytest.importorskip("scipy.sparse")
    # What each library treats as absent in sparse input: NaN (XGBoost), 0.0 (LightGBM).
    absent = (X == 0.0) if case["library"] == "lightgbm" else np.isnan(X)
    rows, cols = np.nonzero(~absent)
    csr = sparse.csr_matrix((X[rows, cols], (rows, cols)), shape=X.shape)
    np.testing.assert_array_equal(m.predict(csr, iteration_range=rng), dense)


def teardown_module():
    for m in _models.values():
        m.close()
    _models.clear()
