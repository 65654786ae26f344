"""The conformance vectors through every scoring endpoint equal the C results bit for bit.

Each case of tests/vectors/manifest.json (XGBoost and LightGBM models, float32 and
float64 inputs, iteration ranges, value/margin/leaf) is scored by the library through
the Python binding, and through the server over gRPC (polyscore.v1 and the Open
Inference Protocol) and REST (/v1/predict and /v2/.../infer). SHAP contributions
(contrib) come flat in polyscore.v1 (cols = margins x (features + 1)) and as a
[rows, margins, features + 1] tensor in the Open Inference Protocol.
"""
import json

import grpc
import numpy as np
import pytest
import requests

from serve_util import CASES, VECTORS, case_inputs, json_numbers, polyscore_c, same_bits, scoring_pb2
from wire.inference import grpc_predict_v2_pb2  # generated; see serve_util

OUTPUTS = ("value", "margin", "leaf", "contrib")
KIND = {"value": scoring_pb2.OUTPUT_KIND_VALUE, "margin": scoring_pb2.OUTPUT_KIND_MARGIN,
        "leaf": scoring_pb2.OUTPUT_KIND_LEAF, "contrib": scoring_pb2.OUTPUT_KIND_CONTRIB}


def c_result(case, X, output):
    """The library's answer, or the UnsupportedError it gives (leaf of a linear model)."""
    model = polyscore_c.load(str(VECTORS / case["model"]))
    try:
        rng = (case["iteration_begin"], case["iteration_end"])
        out = model.predict(X, output=output, iteration_range=rng)
        return np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)
    except polyscore_c.UnsupportedError as e:
        return e
    finally:
        model.close()


def check_refused(error, grpc_call, http_answer):
    """What the library refuses, the server refuses with its message and a 4xx status."""
    with pytest.raises(grpc.RpcError) as refused:
        grpc_call()
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert str(error).split(":")[0] in refused.value.details()
    answer = http_answer()
    assert answer.status_code == 400
    assert str(error).split(":")[0] in answer.json()["error"]


def exact_json(answer):
    """The body with every number as a float: Python reads the JSON number -0 as the
    integer 0, which loses the sign of a -0.0 the server wrote exactly."""
    return json.loads(answer.text, parse_int=float)


def tensor_shape(expected, output, num_features):
    """The Open Inference Protocol's shape of a result: contributions split per margin."""
    rows, width = expected.shape
    if output == "contrib":
        return [rows, width // (num_features + 1), num_features + 1]
    return [rows, width]


def model_name(case):
    return (VECTORS / case["model"]).stem


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vectors_over_grpc_and_rest(case, vectors_server, stubs):
    scoring, inference = stubs
    X = case_inputs(case)
    rows, cols = X.shape
    float32 = X.dtype == np.float32
    for output in OUTPUTS:
        expected = c_result(case, X, output)

        # gRPC polyscore.v1
        request = scoring_pb2.PredictRequest(
            model=model_name(case), rows=rows, cols=cols, output=KIND[output],
            iterations=scoring_pb2.IterationRange(begin=case["iteration_begin"], end=case["iteration_end"]))
        (request.float32_values if float32 else request.float64_values).extend(X.ravel().tolist())
        body = {"model": model_name(case), "rows": rows, "cols": cols, "output": output,
                "iterations": {"begin": case["iteration_begin"], "end": case["iteration_end"]},
                ("float32_values" if float32 else "float64_values"): json_numbers(X)}
        if isinstance(expected, Exception):
            check_refused(expected, lambda: scoring.Predict(request, timeout=30),
                          lambda: requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30))
            continue
        reply = scoring.Predict(request, timeout=30)
        assert (reply.rows, reply.cols) == expected.shape
        assert same_bits(np.array(reply.values), expected), ("grpc", output)

        # REST polyscore.v1
        answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        got = exact_json(answer)
        assert (got["rows"], got["cols"], got["output"]) == (rows, expected.shape[1], output)
        values = np.array([np.nan if v is None else v for v in got["values"]], dtype=np.float64)
        assert same_bits(values, expected), ("rest", output)

    if case["iteration_begin"] or case["iteration_end"]:
        return  # the Open Inference Protocol has no iteration range
    datatype = "FP32" if float32 else "FP64"
    for output in OUTPUTS:
        expected = c_result(case, X, output)
        # gRPC Open Inference Protocol, raw little-endian tensor bytes
        tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(
            name="input", datatype=datatype, shape=[rows, cols])
        infer = grpc_predict_v2_pb2.ModelInferRequest(
            model_name=model_name(case), inputs=[tensor], raw_input_contents=[X.tobytes()],
            outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name=output)])
        # REST Open Inference Protocol, nested rows
        body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": datatype,
                            "data": np.array(json_numbers(X), dtype=object).reshape(rows, cols).tolist()}],
                "outputs": [{"name": output}]}
        url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(case))
        if isinstance(expected, Exception):
            check_refused(expected, lambda: inference.ModelInfer(infer, timeout=30),
                          lambda: requests.post(url, json=body, timeout=30))
            continue
        reply = inference.ModelInfer(infer, timeout=30)
        shape = tensor_shape(expected, output, cols)
        assert list(reply.outputs[0].shape) == shape
        assert same_bits(np.frombuffer(reply.raw_output_contents[0], dtype="<f8"), expected), ("oip grpc", output)

        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        tensor = exact_json(answer)["outputs"][0]
        assert tensor["shape"] == shape
        data = np.array([np.nan if v is None else v for v in tensor["data"]], dtype=np.float64)
        assert same_bits(data, expected), ("oip rest", output)


@pytest.mark.parametrize("name", ["xgb1_multi_softprob_f32", "lgb4_multiclass_range_1_4"])
def test_metadata_names_the_contributions_tensor(name, vectors_server, stubs):
    """Model metadata lists output "contrib" as [-1, margins, features + 1], both protocols."""
    case = next(c for c in CASES if c["name"] == name)
    model = polyscore_c.load(str(VECTORS / case["model"]))
    want = [-1, model.info.num_margins, model.info.num_features + 1]
    model.close()
    _, inference = stubs
    reply = inference.ModelMetadata(grpc_predict_v2_pb2.ModelMetadataRequest(name=model_name(case)), timeout=30)
    assert {o.name: list(o.shape) for o in reply.outputs}["contrib"] == want
    meta = requests.get("%s/v2/models/%s" % (vectors_server.url, model_name(case)), timeout=30).json()
    assert {o["name"]: o["shape"] for o in meta["outputs"]}["contrib"] == want
