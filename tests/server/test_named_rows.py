"""Rows by feature name (src/server/named_rows.cc): polyscore.v1 named_rows over REST
and gRPC, fraud.v1 named_features over REST and gRPC, and one Open Inference Protocol
input tensor per feature over REST. Each scores exactly as the same rows in the model's
order, whatever order the names come in; a missing, unknown or repeated name is a 400
(INVALID_ARGUMENT) naming it."""
import math

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to
from wire.inference import grpc_predict_v2_pb2, grpc_predict_v2_pb2_grpc  # generated; see serve_util
from serve_util import (CASES as CASE_LIST, FRAUD_MODEL, VECTORS, case_inputs, fraud_pb2, fraud_pb2_grpc, polyscore_c,
                        scoring_pb2, scoring_pb2_grpc)

CASES = {case["name"]: case for case in CASE_LIST}
FRAUD_ROWS = [[0.4, 1.2], [-1.0, float("nan")], [2.5, -0.3]]
NAMES = ["amount_zscore", "velocity"]


def json_value(v):
    return None if math.isnan(v) else v


def named(row, names=NAMES, reverse=True):
    pairs = list(zip(names, row))
    return {k: json_value(v) for k, v in (reversed(pairs) if reverse else pairs)}


def c_scores(path, rows, output="value"):
    with polyscore_c.load(str(path)) as model:
        return np.asarray(model.predict(np.array(rows, dtype=np.float64), output=output),
                          dtype=np.float64).ravel().tolist()


def post(server, path, body):
    return requests.post(server.url + path, json=body, timeout=10)


def test_rest_named_rows_score_as_rows_in_model_order(fraud_server):
    body = {"model": "fraud-v3", "output": "margin",
            "named_rows": [{"features": named(row)} for row in FRAUD_ROWS]}
    answer = post(fraud_server, "/v1/predict", body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 3 and answer.json()["cols"] == 1
    assert answer.json()["values"] == c_scores(FRAUD_MODEL, FRAUD_ROWS, "margin")
    # the proto3 JSON name too
    body["namedRows"] = body.pop("named_rows")
    assert post(fraud_server, "/v1/predict", body).json()["values"] == answer.json()["values"]


def test_rest_named_rows_of_a_lightgbm_model_in_reverse_order(vectors_server):
    """lgb4_binary names its features Column_0 ...; given reversed, the rows score as
    the library scores them in order."""
    case = CASES["lgb4_binary"]
    X = case_inputs(case)
    names = ["Column_%d" % j for j in range(case["num_features"])]
    rows = [{"features": named(row, names)} for row in X.tolist()]
    answer = post(vectors_server, "/v1/predict", {"model": "lgb4_binary", "named_rows": rows})
    assert answer.status_code == 200, answer.text
    assert answer.json()["values"] == c_scores(VECTORS / case["model"], X)


@pytest.mark.parametrize("features,words", [
    ({"amount_zscore": 0.4}, ['"named_rows[1]"', 'missing feature "velocity"']),
    ({"amount_zscore": 0.4, "velocity": 1, "amount": 3}, ['"named_rows[1]"', 'unknown feature "amount"']),
    ({"amount": 0.4, "velocty": 1}, ['unknown features "amount", "velocty"',
                                     'missing features "amount_zscore", "velocity"']),
    # a string is a category value: for a numeric feature, an error naming it
    ({"amount_zscore": "0.4", "velocity": 1}, ['"named_rows[1]"', 'feature "amount_zscore" is numeric: "0.4" is not a number']),
])
def test_rest_named_rows_mismatch_is_400_naming_the_field(fraud_server, features, words):
    body = {"model": "fraud-v3", "named_rows": [{"features": named(FRAUD_ROWS[0])}, {"features": features}]}
    answer = post(fraud_server, "/v1/predict", body)
    assert answer.status_code == 400, answer.text
    for w in words:
        assert w in answer.json()["error"]
    if "missing" in " ".join(words) or "unknown" in " ".join(words):
        assert 'model "fraud-v3" ("amount_zscore", "velocity")' in answer.json()["error"]


def test_rest_repeated_name_is_400(fraud_server):
    body = ('{"model":"fraud-v3","named_rows":[{"features":'
            '{"amount_zscore":0.4,"velocity":1,"velocity":2}}]}')
    answer = requests.post(fraud_server.url + "/v1/predict", data=body, timeout=10)
    assert answer.status_code == 400
    assert 'given twice: "velocity"' in answer.json()["error"]


@pytest.mark.parametrize("body,words", [
    ({"model": "fraud-v3", "rows": 1, "named_rows": [{"features": {"amount_zscore": 0, "velocity": 0}}]},
     "give either \"named_rows\" or \"rows\""),
    ({"model": "fraud-v3", "named_rows": [{"amount_zscore": 0, "velocity": 0}]},
     'unknown field "amount_zscore" in "named_rows[0]" (expected features, categories)'),
    ({"model": "fraud-v3", "named_rows": [{}]}, 'missing field "named_rows[0].features"'),
    ({"model": "fraud-v3", "named_rows": {"features": {}}}, '"named_rows" must be an array'),
    ({"model": "fraud-v3", "named_rows": [], "namedRows": []}, "not both"),
])
def test_rest_malformed_named_rows_are_400(fraud_server, body, words):
    answer = post(fraud_server, "/v1/predict", body)
    assert answer.status_code == 400
    assert words in answer.json()["error"]


def test_rest_model_without_feature_names_refuses_named_rows(vectors_server):
    case = CASES["xgb3_binary_logistic"]  # trained on an array: the file names no features
    body = {"model": "xgb3_binary_logistic", "named_rows": [{"features": {"f0": 1.0}}]}
    answer = post(vectors_server, "/v1/predict", body)
    assert answer.status_code == 400
    assert "names no feature 0, so rows cannot be given by feature name" in answer.json()["error"]
    assert case["num_features"] > 1


def test_rest_fraud_named_features(fraud_server):
    for row in FRAUD_ROWS:
        answer = post(fraud_server, "/predict", {"named_features": named(row), "model": "fraud-v3"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["score"] == c_scores(FRAUD_MODEL, [row])[0]
    answer = post(fraud_server, "/predict", {"namedFeatures": {"amount_zscore": 0.4}, "model": "fraud-v3"})
    assert answer.status_code == 400
    assert '"named_features" does not match the features of model "fraud-v3"' in answer.json()["error"]
    assert 'missing feature "velocity"' in answer.json()["error"]
    answer = post(fraud_server, "/predict", {"features": [0.4, 1.2], "named_features": named([0.4, 1.2]),
                                             "model": "fraud-v3"})
    assert answer.status_code == 400
    assert "not both" in answer.json()["error"]


def test_grpc_named_rows_and_named_features(fraud_server):
    with channel_to(fraud_server) as channel:
        scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = scoring_pb2.PredictRequest(model="fraud-v3", output=scoring_pb2.OUTPUT_KIND_MARGIN)
        for row in FRAUD_ROWS:
            request.named_rows.add().features.update(dict(zip(NAMES, row)))
        response = scoring.Predict(request, timeout=10)
        assert response.rows == 3 and response.cols == 1
        assert list(response.values) == c_scores(FRAUD_MODEL, FRAUD_ROWS, "margin")

        request.named_rows[2].features["speed"] = 1.0
        with pytest.raises(grpc.RpcError) as refused:
            scoring.Predict(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert '"named_rows[2]"' in refused.value.details()
        assert 'unknown feature "speed"' in refused.value.details()

        request = scoring_pb2.PredictRequest(model="fraud-v3", rows=1, cols=2)
        request.named_rows.add().features.update({"amount_zscore": 0.4, "velocity": 1.2})
        with pytest.raises(grpc.RpcError) as refused:
            scoring.Predict(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "give either named_rows or rows" in refused.value.details()

        fraud = fraud_pb2_grpc.FraudScorerStub(channel)
        answer = fraud.Predict(fraud_pb2.PredictRequest(
            model="fraud-v3", named_features={"velocity": 1.2, "amount_zscore": 0.4}), timeout=10)
        assert answer.score == c_scores(FRAUD_MODEL, [[0.4, 1.2]])[0]
        with pytest.raises(grpc.RpcError) as refused:
            fraud.Predict(fraud_pb2.PredictRequest(model="fraud-v3", named_features={"velocity": 1.2}), timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert 'missing feature "amount_zscore"' in refused.value.details()


def feature_tensors(rows, names=NAMES, datatype="FP64", column_shape=False):
    inputs = []
    for j, name in reversed(list(enumerate(names))):
        data = [json_value(row[j]) for row in rows]
        shape = [len(rows), 1] if column_shape else [len(rows)]
        inputs.append({"name": name, "shape": shape, "datatype": datatype, "data": data})
    return inputs


@pytest.mark.parametrize("datatype", ["FP64", "FP32"])
@pytest.mark.parametrize("column_shape", [False, True])
def test_oip_one_tensor_per_feature(fraud_server, datatype, column_shape):
    body = {"inputs": feature_tensors(FRAUD_ROWS, datatype=datatype, column_shape=column_shape),
            "parameters": {"output": "margin"}}
    answer = post(fraud_server, "/v2/models/fraud-v3/infer", body)
    assert answer.status_code == 200, answer.text
    output = answer.json()["outputs"][0]
    assert output["shape"] == [3, 1]
    rows = np.array(FRAUD_ROWS, dtype=np.float32 if datatype == "FP32" else np.float64).astype(np.float64)
    assert output["data"] == c_scores(FRAUD_MODEL, rows, "margin")


def test_oip_single_feature_tensor_of_a_one_feature_name_is_matched(fraud_server):
    """One input named as a feature is read as a per-feature tensor, so the other
    feature is reported missing (not read as a [1, 3] row)."""
    body = {"inputs": [{"name": "velocity", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]}
    answer = post(fraud_server, "/v2/models/fraud-v3/infer", body)
    assert answer.status_code == 400
    assert '"inputs" does not match the features of model "fraud-v3"' in answer.json()["error"]
    assert 'missing feature "amount_zscore"' in answer.json()["error"]


@pytest.mark.parametrize("inputs,words", [
    ([{"name": "amount_zscore", "shape": [2], "datatype": "FP64", "data": [1, 2]},
      {"name": "velocty", "shape": [2], "datatype": "FP64", "data": [1, 2]}],
     ['unknown feature "velocty"', 'missing feature "velocity"']),
    ([{"name": "amount_zscore", "shape": [2], "datatype": "FP64", "data": [1, 2]},
      {"name": "velocity", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}],
     ['input "velocity" has 3 rows, input "amount_zscore" 2']),
    ([{"name": "amount_zscore", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]},
      {"name": "velocity", "shape": [1], "datatype": "FP64", "data": [1]}],
     ['input "amount_zscore" must have shape [rows] or [rows, 1]']),
    ([{"name": "amount_zscore", "shape": [2], "datatype": "FP64", "data": [1, 2, 3]},
      {"name": "velocity", "shape": [2], "datatype": "FP64", "data": [1, 2]}],
     ['input "amount_zscore" has 3 values but shape [2]']),
    ([{"name": "velocity", "shape": [1], "datatype": "FP64", "data": [1]},
      {"name": "velocity", "shape": [1], "datatype": "FP64", "data": [1]}],
     ['given twice: "velocity"']),
])
def test_oip_feature_tensor_mismatch_is_400(fraud_server, inputs, words):
    answer = post(fraud_server, "/v2/models/fraud-v3/infer", {"inputs": inputs})
    assert answer.status_code == 400, answer.text
    for w in words:
        assert w in answer.json()["error"]


@pytest.mark.parametrize("raw", [False, True])
def test_grpc_oip_one_tensor_per_feature(fraud_server, raw):
    """gRPC ModelInfer with one tensor per feature (reversed order; FP32 amount_zscore
    as [rows, 1], FP64 velocity as [rows]), as contents or raw little-endian bytes."""
    Tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor
    amount = np.array([r[0] for r in FRAUD_ROWS], dtype=np.float32)
    velocity = np.array([r[1] for r in FRAUD_ROWS], dtype=np.float64)
    inputs = [Tensor(name="velocity", datatype="FP64", shape=[3]),
              Tensor(name="amount_zscore", datatype="FP32", shape=[3, 1])]
    request = grpc_predict_v2_pb2.ModelInferRequest(model_name="fraud-v3", inputs=inputs)
    if raw:
        request.raw_input_contents.extend([velocity.astype("<f8").tobytes(), amount.astype("<f4").tobytes()])
    else:
        request.inputs[0].contents.fp64_contents.extend(velocity.tolist())
        request.inputs[1].contents.fp32_contents.extend(amount.tolist())
    request.outputs.add(name="margin")
    with channel_to(fraud_server) as channel:
        inference = grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel)
        reply = inference.ModelInfer(request, timeout=10)
        expected = c_scores(FRAUD_MODEL, np.column_stack([amount.astype(np.float64), velocity]), "margin")
        got = (np.frombuffer(reply.raw_output_contents[0], dtype="<f8").tolist() if reply.raw_output_contents
               else list(reply.outputs[0].contents.fp64_contents))
        assert got == expected
        assert list(reply.outputs[0].shape) == [3, 1]

        request.inputs[0].name = "speed"
        with pytest.raises(grpc.RpcError) as refused:
            inference.ModelInfer(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert 'unknown feature "speed"; missing feature "velocity"' in refused.value.details()
