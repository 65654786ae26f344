"""Bad input raises polyscore.Error subclasses with the library's status and message."""
import ctypes
import os

import numpy as np
import pytest

import polyscore
from polyscore import _constants, _errors, _lib, _model
from vectors_util import FRAUD_MODEL, VECTORS


def test_missing_file(tmp_path):
    path = tmp_path / "no-such-model.json"
    with pytest.raises(polyscore.ModelFileError) as info:
        polyscore.Model.load(path)
    e = info.value
    assert isinstance(e, polyscore.Error) and isinstance(e, OSError)
    assert e.code == polyscore.PS_ERR_IO == 3
    assert e.status_name == "PS_ERR_IO"
    assert str(path) in e.message and "No such file or directory" in e.message
    assert str(e) == e.message


def test_directory_is_not_a_model(tmp_path):
    with pytest.raises(polyscore.Error) as info:
        polyscore.Model.load(tmp_path)
    assert info.value.code in (polyscore.PS_ERR_IO, polyscore.PS_ERR_PARSE)
    assert str(tmp_path) in info.value.message or info.value.message


@pytest.mark.parametrize("model,fraction,words", [
    ("xgb3_binary_logistic.json", 0.5, "not valid JSON"),
    ("xgb3_binary_logistic.ubj", 0.5, "not valid UBJSON"),
    ("lgb4_binary.txt", 0.3, "truncated"),
    ("lgb4_multiclass.txt", 0.5, "truncated"),
])
def test_truncated_model(tmp_path, model, fraction, words):
    data = (VECTORS / "models" / model).read_bytes()
    cut = tmp_path / model
    cut.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(polyscore.ParseError) as info:
        polyscore.Model.load(cut)
    e = info.value
    assert e.code == polyscore.PS_ERR_PARSE == 4
    assert isinstance(e, ValueError)
    assert words in e.message
    # the same bytes from memory fail the same way
    with pytest.raises(polyscore.ParseError) as from_buffer:
        polyscore.Model.load_buffer(cut.read_bytes())
    assert words in from_buffer.value.message


def test_parse_error_offset(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(polyscore.ParseError) as info:
        polyscore.Model.load(empty)
    assert str(empty) in info.value.message and "empty model" in info.value.message
    assert info.value.offset == 0
    not_a_model = VECTORS / "data" / "lgb4_binary.X.csv"
    with pytest.raises(polyscore.ParseError) as info:
        polyscore.Model.load(not_a_model)
    assert "unrecognised model format" in info.value.message


def test_wrong_feature_count(fraud):
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict(np.zeros((4, 3)))
    e = info.value
    assert e.code == polyscore.PS_ERR_SHAPE == 6 and isinstance(e, ValueError)
    assert "3 features" in e.message and "expects 2" in e.message


def test_wrong_row_length(fraud):
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict_row([1.0, 2.0, 3.0, 4.0])
    assert info.value.code == polyscore.PS_ERR_SHAPE
    assert "4 features" in info.value.message and "expects 2" in info.value.message
    with pytest.raises(polyscore.ShapeError):
        fraud.predict([1.0])  # a 1-D array is one row: one value is too few


def test_wrong_dimensions(fraud):
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict(np.zeros((2, 2, 2)))
    assert info.value.code == polyscore.PS_ERR_SHAPE and "3-D" in info.value.message
    with pytest.raises(polyscore.ShapeError):
        fraud.predict_row([[0.4, 1.2]])


def test_csr_wrong_columns(fraud):
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict(sparse.csr_matrix(np.ones((3, 5))))
    assert info.value.code == polyscore.PS_ERR_SHAPE and "expects 2" in info.value.message


def test_not_numbers(fraud):
    with pytest.raises(polyscore.InvalidArgumentError) as info:
        fraud.predict([["a", "b"]])
    assert info.value.code == polyscore.PS_ERR_INVALID_ARGUMENT
    assert "real numbers" in info.value.message and "string" in info.value.message


def test_bad_options(fraud):
    with pytest.raises(polyscore.InvalidArgumentError) as info:
        fraud.predict([[0.4, 1.2]], output="probability")
    assert info.value.code == 1 and "'probability'" in info.value.message
    with pytest.raises(polyscore.InvalidArgumentError) as info:
        fraud.predict([[0.4, 1.2]], iteration_range=(0, 51))
    assert info.value.code == 1
    assert "[0, 51)" in info.value.message and "50 boosting rounds" in info.value.message
    with pytest.raises(polyscore.InvalidArgumentError):
        fraud.predict([[0.4, 1.2]], iteration_range=(-1, 3))
    with pytest.raises(polyscore.InvalidArgumentError):
        fraud.predict([[0.4, 1.2]], iteration_range=5)
    with pytest.raises(polyscore.InvalidArgumentError):
        fraud.predict([[0.4, 1.2]], num_threads=-2)


def test_leaf_of_linear_model_unsupported():
    with polyscore.Model.load(VECTORS / "models" / "xgb3_gblinear.json") as m:
        with pytest.raises(polyscore.UnsupportedError) as info:
            m.predict(np.zeros((1, m.info.num_features)), output="leaf")
    assert info.value.code == polyscore.PS_ERR_UNSUPPORTED == 5
    assert "linear" in info.value.message


def test_use_after_close():
    m = polyscore.Model.load(FRAUD_MODEL)
    m.close()
    for use in (lambda: m.predict([[0.4, 1.2]]), lambda: m.predict_row([0.4, 1.2]),
                lambda: m.info):
        with pytest.raises(polyscore.InvalidHandleError) as info:
            use()
        assert info.value.code == polyscore.PS_ERR_INVALID_HANDLE == 2
        assert "freed" in info.value.message


def test_buffer_too_small_maps_to_its_class(fraud):
    """The binding always sizes buffers itself; call the C function directly to see the
    library's PS_ERR_BUFFER_TOO_SMALL come through as BufferTooSmallError."""
    lib = _lib.get()
    out = np.empty(1)
    rows = np.zeros((3, 2))
    opts = fraud._options("value", None, 1)
    with pytest.raises(polyscore.BufferTooSmallError) as info:
        _model._call(lib, lib.ps_model_predict_dense, out.ctypes.data, 1, fraud._handle,
                     rows.ctypes.data, _constants.PS_DTYPE_FLOAT64, 3, 2, ctypes.byref(opts))
    assert info.value.code == polyscore.PS_ERR_BUFFER_TOO_SMALL == 7
    assert "3" in info.value.message


@pytest.mark.parametrize("code,cls", [
    (1, polyscore.InvalidArgumentError), (2, polyscore.InvalidHandleError),
    (3, polyscore.ModelFileError), (4, polyscore.ParseError), (5, polyscore.UnsupportedError),
    (6, polyscore.ShapeError), (7, polyscore.BufferTooSmallError),
    (8, polyscore.OutOfMemoryError), (9, polyscore.AbiVersionError),
    (10, polyscore.InternalError), (99, polyscore.Error),
])
def test_every_status_has_a_class(code, cls):
    e = _errors.error_for(code, "msg")
    assert type(e) is cls and e.code == code and e.message == "msg"
    assert isinstance(e, polyscore.Error)
    if code in _constants.STATUS_NAMES:
        assert _lib.get().ps_status_name(code).decode() == e.status_name


def test_library_not_found():
    with pytest.raises(polyscore.LibraryNotFoundError) as info:
        _lib.load_library("/nonexistent/libpolyscore.so.1")
    assert "/nonexistent/libpolyscore.so.1" in info.value.message
    assert "POLYSCORE_LIBRARY" in info.value.message


def test_library_path_from_environment():
    assert _lib.get()._name == os.environ["POLYSCORE_LIBRARY"]


@pytest.mark.parametrize("row_copy_max", [_model._ROW_COPY_MAX, 0],
                         ids=["row copied", "row in place"])
def test_predict_row_hot_path_keeps_every_check(fraud, monkeypatch, row_copy_max):
    """Once predict_row's plans are cached (hot path), every input the hot path does not
    take goes the checked way: same results, same errors as the first call. Both ways the
    hot path passes a row: copied (short rows) and in place (long rows; forced here)."""
    monkeypatch.setattr(_model, "_ROW_COPY_MAX", row_copy_max)
    FRAUD_ROW, FRAUD_SCORE = [0.4, 1.2], 0.8551127314567566  # as in test_api.py
    for output in ("value", "margin", "leaf"):
        fraud.predict_row(FRAUD_ROW, output=output)  # caches the plan
    want = fraud.predict_row(FRAUD_ROW)
    assert want.dtype == np.float64 and want.shape == (1,) and want.flags.writeable
    assert want[0] == FRAUD_SCORE
    arr = np.array(FRAUD_ROW)
    read_only = arr.copy()
    read_only.flags.writeable = False
    strided = np.array([[FRAUD_ROW[0], 9.0], [FRAUD_ROW[1], 9.0]])[:, 0]
    assert not strided.flags.c_contiguous
    for row in (FRAUD_ROW, tuple(FRAUD_ROW), arr, read_only, strided, arr.astype(np.float32)):
        np.testing.assert_array_equal(fraud.predict_row(row), want)
    # each call returns a new array of its own
    a, b = fraud.predict_row(arr), fraud.predict_row(arr)
    a[0] = -1.0
    assert b[0] == want[0] and a.base is not b.base
    # each call reads the row as it is now (nothing of an earlier call's row is kept)
    changed = arr.copy()
    fraud.predict_row(changed)
    changed[:] = [0.0, 0.0]
    np.testing.assert_array_equal(fraud.predict_row(changed), fraud.predict([[0.0, 0.0]]))
    assert fraud.predict_row(changed)[0] != want[0]
    np.testing.assert_array_equal(fraud.predict_row(arr, output="margin"),
                                  fraud.predict(arr, output="margin"))
    assert fraud.predict_row(arr, output="leaf").shape == (50,)
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict_row([1.0, 2.0, 3.0])
    assert "3 features" in info.value.message and "expects 2" in info.value.message
    with pytest.raises(polyscore.ShapeError):
        fraud.predict_row(np.array([FRAUD_ROW]))  # 2-D
    with pytest.raises(polyscore.ShapeError):
        fraud.predict_row(np.zeros(0))
    fraud.close()
    with pytest.raises(polyscore.InvalidHandleError) as info:
        fraud.predict_row(arr)
    assert "freed" in info.value.message


@pytest.mark.parametrize("model,why", [
    ("lgb4_binary.txt", "LightGBM does not define"),
    ("xgb3_gblinear.json", "gblinear"),
    ("xgb3_multi_target_multi_output_tree.json", "multi-target"),
])
def test_interactions_refused_with_the_reason(model, why):
    """SHAP interaction values exist for XGBoost tree models only: the others get a typed
    error naming why, and their other outputs still work."""
    with polyscore.Model.load(VECTORS / "models" / model) as m:
        X = np.full((2, m.info.num_features), 0.5)
        m.predict(X)
        with pytest.raises(polyscore.UnsupportedError, match=why):
            m.predict(X, output="interactions")
        with pytest.raises(polyscore.UnsupportedError, match=why):
            m.predict_row(X[0], output="interactions")
