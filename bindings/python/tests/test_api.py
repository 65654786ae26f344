"""The Python surface: info, shapes, input kinds, options, load_buffer, lifetime."""
import numpy as np
import pytest

import polyscore
from vectors_util import CASES_BY_NAME, FRAUD_MODEL, VECTORS, case_input

FRAUD_ROW = [0.4, 1.2]
FRAUD_SCORE = 0.8551127314567566  # examples/fraud/expected.csv, row 1


def test_module_versions():
    assert polyscore.abi_version() >= polyscore.REQUIRED_ABI_VERSION
    assert polyscore.library_version().count(".") == 2
    assert "libpolyscore" in polyscore.library_path()


def test_info(fraud):
    info = fraud.info
    assert info.format == "xgboost-json"
    assert info.objective == "binary:logistic"
    assert info.booster == "gbtree"
    assert info.num_features == 2 and fraud.num_features == 2
    assert info.num_outputs == 1 and info.num_margins == 1
    assert info.num_trees == 50 and info.num_iterations == 50
    assert info.feature_names == ("amount_zscore", "velocity")


@pytest.mark.parametrize("model,fmt,objective,booster", [
    ("lgb4_multiclass.txt", "lightgbm-text", "multiclass", "gbdt"),
    ("xgb1_binary_logistic.ubj", "xgboost-ubjson", "binary:logistic", "gbtree"),
    ("xgb3_gblinear.json", "xgboost-json", "reg:squarederror", "gblinear"),
])
def test_info_other_formats(model, fmt, objective, booster):
    with polyscore.Model.load(VECTORS / "models" / model) as m:
        assert m.info.format == fmt
        assert m.info.objective.startswith(objective)
        assert m.info.booster == booster
        assert len(m.info.feature_names) == m.info.num_features


def test_predict_list_and_score(fraud):
    assert fraud.predict([FRAUD_ROW])[0] == FRAUD_SCORE
    assert fraud.predict_row(FRAUD_ROW).tolist() == [FRAUD_SCORE]


def test_one_dimensional_input_is_one_row(fraud):
    out = fraud.predict(np.array(FRAUD_ROW))
    assert out.shape == (1,) and out[0] == FRAUD_SCORE
    assert fraud.predict(np.array(FRAUD_ROW), output="leaf").shape == (1, 50)


def test_shapes_single_and_multi_output():
    multi = CASES_BY_NAME["lgb4_multiclass"]
    with polyscore.Model.load(VECTORS / multi["model"]) as m:
        X = case_input(multi)
        k = m.info.num_outputs
        assert k == 3
        assert m.predict(X).shape == (len(X), 3)
        assert m.predict(X, output="margin").shape == (len(X), 3)
        assert m.predict(X, output="leaf").shape == (len(X), m.info.num_trees)
        assert m.predict(X, output="leaf", iteration_range=(1, 3)).shape == (len(X), 2 * k)
        assert m.predict_row(X[0]).shape == (3,)
        assert m.predict(X[:0]).shape == (0, 3)


def test_empty_input(fraud):
    assert fraud.predict(np.zeros((0, 2))).shape == (0,)
    assert fraud.predict(np.zeros((0, 2)), output="leaf").shape == (0, 50)


def _finite(X):
    return np.clip(np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0), -1000, 1000)


@pytest.mark.parametrize("convert", [
    lambda X: X.tolist(),
    lambda X: np.asfortranarray(X),
    lambda X: X[::-1],  # negative strides
    lambda X: np.hstack([X, X])[:, :X.shape[1]],  # non-contiguous view
    lambda X: np.round(_finite(X)).astype(np.int64),
    lambda X: np.round(_finite(X)).astype(np.int32),
    lambda X: _finite(X).astype(np.float16),
    lambda X: X.astype(">f8"),  # big-endian float64
], ids=["list", "fortran", "reversed", "strided", "int64", "int32", "float16", "big-endian"])
def test_other_inputs_converted(convert):
    case = CASES_BY_NAME["xgb3_binary_logistic"]
    X = case_input(case)
    converted = convert(X)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        reference = m.predict(np.ascontiguousarray(np.asarray(converted, dtype=np.float64)))
        np.testing.assert_array_equal(m.predict(converted), reference)


def test_float32_and_float64_inputs_agree():
    case = CASES_BY_NAME["lgb4_binary_f32"]
    X32 = case_input(case)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        np.testing.assert_array_equal(m.predict(X32), m.predict(X32.astype(np.float64)))


def test_csr_input_variants():
    sparse = pytest.importorskip("scipy.sparse")
    case = CASES_BY_NAME["xgb3_binary_logistic"]
    X = case_input(case)
    X = np.where(np.isnan(X), 0.0, X)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        # Absent entries are missing for XGBoost: a dense array with NaN there.
        dense = np.where(X == 0.0, np.nan, X)
        reference = m.predict(dense)
        csr = sparse.csr_matrix(X)
        np.testing.assert_array_equal(m.predict(csr), reference)
        np.testing.assert_array_equal(m.predict(sparse.csc_matrix(X)), reference)
        np.testing.assert_array_equal(m.predict(sparse.coo_matrix(X)), reference)
        big = sparse.csr_matrix(X)
        big.indices = big.indices.astype(np.int64)
        big.indptr = big.indptr.astype(np.int64)
        np.testing.assert_array_equal(m.predict(big), reference)
        np.testing.assert_array_equal(m.predict(csr.astype(np.float32)),
                                      m.predict(dense.astype(np.float32)))
        np.testing.assert_array_equal(m.predict(csr, output="leaf"), m.predict(dense, output="leaf"))
        if hasattr(sparse, "csr_array"):
            np.testing.assert_array_equal(m.predict(sparse.csr_array(X)), reference)


def test_iteration_range_and_threads():
    case = CASES_BY_NAME["lgb4_bigish_binary"]
    X = case_input(case)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        full = m.predict(X, output="margin")
        np.testing.assert_array_equal(m.predict(X, output="margin", iteration_range=(0, 0)), full)
        n = m.info.num_iterations
        np.testing.assert_array_equal(m.predict(X, output="margin", iteration_range=(0, n)), full)
        part = m.predict(X, output="margin", iteration_range=(0, n // 2))
        assert not np.array_equal(part, full)
        for threads in (0, 2, 4):
            np.testing.assert_array_equal(m.predict(X, num_threads=threads), m.predict(X))


def test_load_buffer_same_as_file(tmp_path):
    data = FRAUD_MODEL.read_bytes()
    for buf in (data, bytearray(data), memoryview(data)):
        with polyscore.Model.load_buffer(buf) as m:
            assert m.predict_row(FRAUD_ROW)[0] == FRAUD_SCORE
    ubj = (VECTORS / "models" / "xgb3_binary_logistic.ubj").read_bytes()
    with polyscore.Model.load_buffer(ubj) as m, \
            polyscore.Model.load(VECTORS / "models" / "xgb3_binary_logistic.ubj") as f:
        assert m.info == f.info


def test_load_with_explicit_format():
    with polyscore.Model.load(FRAUD_MODEL, format="xgboost-json") as m:
        assert m.info.format == "xgboost-json"
    with polyscore.Model.load(VECTORS / "models" / "lgb4_binary.txt", format="lightgbm-text") as m:
        assert m.info.format == "lightgbm-text"
    with pytest.raises(polyscore.ParseError):
        polyscore.Model.load(FRAUD_MODEL, format="lightgbm-text")
    with pytest.raises(polyscore.InvalidArgumentError):
        polyscore.Model.load(FRAUD_MODEL, format="onnx")


def test_load_accepts_str_and_pathlike():
    with polyscore.Model.load(str(FRAUD_MODEL)) as a, polyscore.load(FRAUD_MODEL) as b:
        assert a.info == b.info


def test_close_twice_and_context_manager():
    m = polyscore.Model.load(FRAUD_MODEL)
    with m:
        assert not m.closed
    assert m.closed
    m.close()
    m.close()
    assert "closed" in repr(m)


def test_del_frees_unclosed_model():
    m = polyscore.Model.load(FRAUD_MODEL)
    m.predict([FRAUD_ROW])
    del m  # __del__ frees it; the leak test checks memory over many cycles
