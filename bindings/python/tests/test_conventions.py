"""The conventions every binding shares with C (docs/bindings.md): num_threads 0 is all
cores, an empty batch gives an empty result, info after close is an
InvalidHandleError, input that is not a number is an error naming it, unknown option
names are rejected, and the names are the header's (the CLI's)."""
import numpy as np
import pytest
from scipy import sparse

import polyscore
from polyscore import _constants
from vectors_util import FRAUD_MODEL


def test_num_threads_zero_is_all_cores(fraud):
    X = np.array([[0.4, 1.2], [0.0, 0.5]])
    assert fraud._options("value", None, 0).num_threads == 0  # the library's "all cores"
    assert fraud._options("value", None, None).num_threads == _constants.PREDICT_DEFAULTS["num_threads"]
    np.testing.assert_array_equal(fraud.predict(X, num_threads=0), fraud.predict(X))
    with pytest.raises(polyscore.InvalidArgumentError, match="num_threads"):
        fraud.predict(X, num_threads=-1)


@pytest.mark.parametrize("rows", [[], np.empty((0, 2)), np.empty((0, 2), np.float32), np.empty(0),
                                  sparse.csr_matrix((0, 2))])
@pytest.mark.parametrize("output,shape", [("value", (0,)), ("leaf", (0, 50))])
def test_empty_batch_gives_empty_result(fraud, rows, output, shape):
    got = fraud.predict(rows, output=output)
    assert got.shape == shape and got.dtype == np.float64


def test_info_after_close_is_invalid_handle():
    m = polyscore.Model.load(FRAUD_MODEL)
    assert m.info.num_features == 2
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.info
    with pytest.raises(polyscore.InvalidHandleError):
        m.num_features


@pytest.mark.parametrize("rows,kind", [
    ([[0.4 + 1j, 1.2]], "complex"),
    (np.array([[0.4, 1.2]], dtype=np.complex128), "complex"),
    ([[True, False]], "boolean"),
    ([["0.4", "1.2"]], "string"),
    ([[0.4, "N/A"]], "string"),
    ([[0.4, None, "N/A"]], "'N/A'"),
    ([[0.4, object()]], "object"),
])
def test_not_a_number_is_an_error(fraud, rows, kind):
    with pytest.raises(polyscore.InvalidArgumentError) as info:
        fraud.predict(rows)
    assert kind in info.value.message
    with pytest.raises(polyscore.InvalidArgumentError):
        fraud.predict_row(rows[0])


@pytest.mark.parametrize("rows", [[[0.4, 1.2], [0.5]], [[0.4, [1.2, 3]]], [[0.4, None, [1.2]]]])
def test_ragged_rows_are_a_shape_error(fraud, rows):
    with pytest.raises(polyscore.ShapeError) as info:
        fraud.predict(rows)
    assert "same length" in info.value.message


def test_none_is_missing(fraud):
    got = fraud.predict([[0.4, None]])
    np.testing.assert_array_equal(got, fraud.predict(np.array([[0.4, np.nan]])))
    np.testing.assert_array_equal(fraud.predict_row([0.4, None]), got)


def test_int_rows_are_numbers(fraud):
    np.testing.assert_array_equal(fraud.predict([[1, 2]]), fraud.predict([[1.0, 2.0]]))
    np.testing.assert_array_equal(fraud.predict_row([1, 2]), fraud.predict([[1.0, 2.0]]))


def test_unknown_option_names_are_rejected(fraud):
    with pytest.raises(TypeError):
        fraud.predict([[0.4, 1.2]], threads=2)


def test_names_are_the_headers(fraud):
    assert polyscore.FORMAT_NAMES == ("auto", "xgboost-json", "xgboost-ubjson", "lightgbm-text")
    assert polyscore.OUTPUT_NAMES == ("value", "margin", "leaf", "contrib", "interactions")
    assert fraud.info.format == "xgboost-json"
    with pytest.raises(polyscore.InvalidArgumentError, match="lightgbm-text"):
        polyscore.Model.load(FRAUD_MODEL, format="lightgbm")
