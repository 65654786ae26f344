"""C-contiguous float32/float64 arrays reach the library without a copy; other inputs
are converted once."""
import tracemalloc

import numpy as np
import pytest

import polyscore
from polyscore import _constants, _lib
from vectors_util import CASES_BY_NAME, VECTORS, case_input

CASE = CASES_BY_NAME["lgb4_bigish_binary"]  # 8 features
ROWS = 250_000


@pytest.fixture(scope="module")
def model():
    with polyscore.Model.load(VECTORS / CASE["model"]) as m:
        yield m


def big(dtype, order="C"):
    X = case_input(CASE).astype(dtype)
    return np.array(np.resize(X, (ROWS, X.shape[1])), dtype=dtype, order=order)


def peak_during(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_copy_for_c_contiguous(model, dtype):
    X = big(dtype)
    out, peak = peak_during(lambda: model.predict(X, num_threads=0))
    assert out.shape == (ROWS,)
    # The only allocation is the output (8 bytes per row); a copy of X would be
    # 8 (or 4) bytes x 8 features per row.
    assert peak < out.nbytes + X.nbytes // 4, (peak, X.nbytes)


def test_fortran_order_is_copied_once(model):
    """The same measure does see a conversion (so the test above can fail)."""
    X = big(np.float64, order="F")
    out, peak = peak_during(lambda: model.predict(X, num_threads=0))
    assert peak >= X.nbytes
    assert peak < 2 * X.nbytes + out.nbytes  # converted once, not twice
    np.testing.assert_array_equal(out, model.predict(np.ascontiguousarray(X), num_threads=0))


@pytest.mark.parametrize("dtype,ps_dtype", [(np.float64, _constants.PS_DTYPE_FLOAT64),
                                            (np.float32, _constants.PS_DTYPE_FLOAT32)])
def test_library_gets_the_arrays_own_pointer(model, monkeypatch, dtype, ps_dtype):
    lib = _lib.get()
    real = lib.ps_model_predict_dense
    seen = []

    def spy(out, out_len, handle, rows, dt, n_rows, n_cols, opts, err):
        seen.append((rows, dt, n_rows, n_cols))
        return real(out, out_len, handle, rows, dt, n_rows, n_cols, opts, err)

    monkeypatch.setattr(lib, "ps_model_predict_dense", spy)
    X = case_input(CASE).astype(dtype)
    model.predict(X)
    model.predict(X[0])  # a 1-D row is a view, not a copy
    assert seen == [(X.ctypes.data, ps_dtype, X.shape[0], 8), (X.ctypes.data, ps_dtype, 1, 8)]
