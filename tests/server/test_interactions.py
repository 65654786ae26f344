"""SHAP interaction values (output "interactions") through the server.

Each XGBoost case below is scored by the library through the Python binding and through
the server over gRPC and REST, polyscore.v1 (flat: cols = margins x (features + 1)^2)
and the Open Inference Protocol (a [rows, margins, features + 1, features + 1] tensor);
the answers must be the library's bit for bit. A LightGBM model, which defines no
interaction values, is refused with the library's reason as a 400 / FAILED_PRECONDITION;
an unknown output is refused naming the outputs there are; --max-rows still applies.
"""
import json

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to
from wire.inference import grpc_predict_v2_pb2  # generated; see serve_util
from serve_util import (CASES, VECTORS, case_inputs, exact_floats, json_numbers, polyscore_c, same_bits, scoring_pb2,
                        scoring_pb2_grpc)

ROWS = 8  # interaction values cost about 2 * (features + 1) contributions per row
NAMES = ["xgb1_binary_logistic", "xgb1_binary_logistic_f32", "xgb1_multi_softprob",
         "xgb1_binary_logistic_range_2_7", "xgb1_categorical_partition", "xgb1_dart"]
XGB_CASES = [c for c in CASES if c["name"] in NAMES]
LGB_CASE = next(c for c in CASES if c["name"] == "lgb4_multiclass_range_1_4")
OUTPUT_NAMES = "value, margin, leaf, contrib, interactions"


def model_name(case):
    return (VECTORS / case["model"]).stem


def c_interactions(case, X):
    """The library's interaction values, one row per input row, flat."""
    model = polyscore_c.load(str(VECTORS / case["model"]))
    try:
        out = model.predict(X, output="interactions",
                            iteration_range=(case["iteration_begin"], case["iteration_end"]))
        return np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)
    finally:
        model.close()


def test_the_cases_are_there():
    assert sorted(c["name"] for c in XGB_CASES) == sorted(NAMES)


@pytest.mark.parametrize("case", XGB_CASES, ids=[c["name"] for c in XGB_CASES])
def test_interactions_equal_the_library(case, vectors_server, stubs):
    scoring, inference = stubs
    X = case_inputs(case)[:ROWS]
    rows, cols = X.shape
    float32 = X.dtype == np.float32
    expected = c_interactions(case, X)
    margins = expected.shape[1] // (cols + 1) ** 2
    assert expected.shape == (rows, margins * (cols + 1) ** 2)

    # polyscore.v1 over gRPC and REST, with the case's iteration range
    request = scoring_pb2.PredictRequest(
        model=model_name(case), rows=rows, cols=cols, output=scoring_pb2.OUTPUT_KIND_INTERACTIONS,
        iterations=scoring_pb2.IterationRange(begin=case["iteration_begin"], end=case["iteration_end"]))
    (request.float32_values if float32 else request.float64_values).extend(X.ravel().tolist())
    reply = scoring.Predict(request, timeout=60)
    assert (reply.rows, reply.cols, reply.output) == (rows, expected.shape[1], scoring_pb2.OUTPUT_KIND_INTERACTIONS)
    assert same_bits(np.array(reply.values), expected), "grpc polyscore.v1"

    body = {"model": model_name(case), "rows": rows, "cols": cols, "output": "interactions",
            "iterations": {"begin": case["iteration_begin"], "end": case["iteration_end"]},
            ("float32_values" if float32 else "float64_values"): json_numbers(X)}
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    got = json.loads(answer.text, parse_int=float)  # keeps the sign of -0
    assert (got["rows"], got["cols"], got["output"]) == (rows, expected.shape[1], "interactions")
    assert same_bits(exact_floats(got["values"]), expected), "rest polyscore.v1"

    if case["iteration_begin"] or case["iteration_end"]:
        return  # the Open Inference Protocol has no iteration range
    shape = [rows, margins, cols + 1, cols + 1]
    datatype = "FP32" if float32 else "FP64"
    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype=datatype, shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model_name(case), inputs=[tensor], raw_input_contents=[X.tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name="interactions")])
    reply = inference.ModelInfer(infer, timeout=60)
    assert (reply.outputs[0].name, list(reply.outputs[0].shape)) == ("interactions", shape)
    assert same_bits(np.frombuffer(reply.raw_output_contents[0], dtype="<f8"), expected), "oip grpc"

    # REST Open Inference Protocol, asked for by the request parameter rather than an output name
    url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(case))
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": datatype, "data": json_numbers(X)}],
            "parameters": {"output": "interactions"}}
    answer = requests.post(url, json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    out = json.loads(answer.text, parse_int=float)["outputs"][0]
    assert (out["name"], out["shape"]) == ("interactions", shape)
    assert same_bits(exact_floats(out["data"]), expected), "oip rest"


def test_metadata_names_the_interactions_tensor(vectors_server, stubs):
    case = next(c for c in XGB_CASES if c["name"] == "xgb1_multi_softprob")
    want = [-1, 3, case["num_features"] + 1, case["num_features"] + 1]
    _, inference = stubs
    reply = inference.ModelMetadata(grpc_predict_v2_pb2.ModelMetadataRequest(name=model_name(case)), timeout=30)
    assert {o.name: list(o.shape) for o in reply.outputs}["interactions"] == want
    meta = requests.get("%s/v2/models/%s" % (vectors_server.url, model_name(case)), timeout=30).json()
    assert {o["name"]: o["shape"] for o in meta["outputs"]}["interactions"] == want


def test_lightgbm_is_refused_with_the_reason(vectors_server, stubs):
    """LightGBM defines no interaction values: a 400 / FAILED_PRECONDITION saying so, not a 500."""
    scoring, inference = stubs
    X = case_inputs(LGB_CASE)[:2]
    rows, cols = X.shape
    reason = "SHAP interaction values of LightGBM models are not supported"
    request = scoring_pb2.PredictRequest(model=model_name(LGB_CASE), rows=rows, cols=cols,
                                         output=scoring_pb2.OUTPUT_KIND_INTERACTIONS,
                                         float64_values=X.ravel().tolist())
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "UNSUPPORTED" in refused.value.details() and reason in refused.value.details()

    body = {"model": model_name(LGB_CASE), "rows": rows, "cols": cols, "output": "interactions",
            "float64_values": json_numbers(X)}
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400 and reason in answer.json()["error"], answer.text

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model_name(LGB_CASE), inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name="interactions")])
    with pytest.raises(grpc.RpcError) as refused:
        inference.ModelInfer(infer, timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason in refused.value.details()

    url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(LGB_CASE))
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}],
            "outputs": [{"name": "interactions"}]}
    answer = requests.post(url, json=body, timeout=30)
    assert answer.status_code == 400 and reason in answer.json()["error"], answer.text


def test_an_unknown_output_is_named(vectors_server, stubs):
    """A misspelt output is a 400 / INVALID_ARGUMENT naming it and every output there is."""
    scoring, inference = stubs
    case = XGB_CASES[0]
    X = case_inputs(case)[:1]
    rows, cols = X.shape
    url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(case))
    inputs = [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}]
    answer = requests.post(url, json={"inputs": inputs, "outputs": [{"name": "interaction"}]}, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"] == 'unknown output "interaction" (outputs: %s)' % OUTPUT_NAMES

    answer = requests.post(url, json={"inputs": inputs, "parameters": {"output": "shap"}}, timeout=30)
    assert answer.status_code == 400
    assert "shap" in answer.json()["error"] and OUTPUT_NAMES in answer.json()["error"], answer.text

    body = {"model": model_name(case), "rows": rows, "cols": cols, "output": "interaction",
            "float64_values": json_numbers(X)}
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400
    assert '"interaction"' in answer.json()["error"] and OUTPUT_NAMES in answer.json()["error"], answer.text

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model_name(case), inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name="interaction")])
    with pytest.raises(grpc.RpcError) as refused:
        inference.ModelInfer(infer, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == 'unknown output "interaction" (outputs: %s)' % OUTPUT_NAMES


def test_default_output_and_max_rows(start_server, tmp_path):
    """A model configured with default_output "interactions" answers them unasked; --max-rows
    bounds an interactions request like any other."""
    case = next(c for c in XGB_CASES if c["name"] == "xgb1_binary_logistic")
    source = VECTORS / case["model"]
    version = tmp_path / "models" / "m" / "1"
    version.mkdir(parents=True)
    (version / ("model" + source.suffix)).symlink_to(source)
    (tmp_path / "models" / "m" / "config.json").write_text('{"default_output": "interactions"}')
    server = start_server(tmp_path / "models", "--max-rows", "4")
    X = case_inputs(case)[:4]
    rows, cols = X.shape
    body = {"model": "m", "rows": rows, "cols": cols, "float64_values": json_numbers(X)}
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    got = json.loads(answer.text, parse_int=float)
    assert got["output"] == "interactions"
    assert same_bits(exact_floats(got["values"]), c_interactions(case, X))

    X = case_inputs(case)[:5]
    body = {"model": "m", "rows": 5, "cols": cols, "float64_values": json_numbers(X), "output": "interactions"}
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 413 and "--max-rows" in answer.json()["error"], answer.text


def test_max_answer_bytes_bounds_the_answer(start_server, tmp_path):
    """A request small enough for --max-rows and --max-body-bytes can still ask for a large
    answer (interaction values are margins x (features + 1)^2 doubles per row). Above
    --max-answer-bytes it is refused before anything is allocated, naming the limit; at
    the limit it is answered."""
    case = next(c for c in XGB_CASES if c["name"] == "xgb1_binary_logistic")
    source = VECTORS / case["model"]
    version = tmp_path / "models" / "m" / "1"
    version.mkdir(parents=True)
    (version / ("model" + source.suffix)).symlink_to(source)
    X = case_inputs(case)[:4]
    rows, cols = X.shape
    per_row = (cols + 1) ** 2  # one margin
    server = start_server(tmp_path / "models", "--max-answer-bytes", str(3 * per_row * 8))

    body = {"model": "m", "rows": 3, "cols": cols, "float64_values": json_numbers(X[:3]), "output": "interactions"}
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    assert same_bits(exact_floats(json.loads(answer.text, parse_int=float)["values"]), c_interactions(case, X[:3]))

    body = {"model": "m", "rows": rows, "cols": cols, "float64_values": json_numbers(X), "output": "interactions"}
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 413, answer.text
    assert "--max-answer-bytes" in answer.json()["error"] and str(per_row) in answer.json()["error"]

    channel = channel_to(server)
    try:
        request = scoring_pb2.PredictRequest(model="m", rows=rows, cols=cols,
                                             output=scoring_pb2.OUTPUT_KIND_INTERACTIONS,
                                             float64_values=X.ravel().tolist())
        with pytest.raises(grpc.RpcError) as refused:
            scoring_pb2_grpc.ScoringServiceStub(channel).Predict(request, timeout=30)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "--max-answer-bytes" in refused.value.details()
    finally:
        channel.close()
