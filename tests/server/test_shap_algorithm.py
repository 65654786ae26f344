"""The SHAP algorithm of contributions and interaction values through the server:
polyscore.v1 PredictRequest.shap_algorithm over gRPC (and PredictStream) and REST
("shap_algorithm" / "shapAlgorithm"), and the Open Inference Protocol's request parameter
"shap_algorithm" over gRPC and REST.

The xgb34_ vectors are XGBoost 3.4.1's QuadratureTreeSHAP: the default and QUADRATURE
give them bit for bit; TREESHAP gives XGBoost 3.2.0's explanation of the same file
(tests/vectors/shap_algorithms), which differs in rounding. The xgb3_ vectors (XGBoost
3.2.0) are exact TreeSHAP: the default and TREESHAP give them; QUADRATURE gives XGBoost
3.4.1's explanation of that file. An unknown algorithm is INVALID_ARGUMENT / 400 naming it;
QUADRATURE on a LightGBM model is FAILED_PRECONDITION / 400 with the library's reason,
as other outputs a model cannot give.
"""
import json

import grpc
import numpy as np
import pytest
import requests

from serve_util import CASES, VECTORS, case_inputs, exact_floats, json_numbers, same_bits, scoring_pb2
from wire.inference import grpc_predict_v2_pb2  # generated; see serve_util

ROWS = 8
BY_NAME = {c["name"]: c for c in CASES}
XGB34 = BY_NAME["xgb34_binary_logistic"]
XGB32 = BY_NAME["xgb3_binary_logistic"]
LGB = BY_NAME["lgb4_binary"]
VECTOR_LEAF = BY_NAME["xgb34_multi_target_multi_output_tree"]
ENUM = {"auto": scoring_pb2.SHAP_ALGORITHM_UNSPECIFIED, "treeshap": scoring_pb2.SHAP_ALGORITHM_TREESHAP,
        "quadrature": scoring_pb2.SHAP_ALGORITHM_QUADRATURE}
KIND = {"contrib": scoring_pb2.OUTPUT_KIND_CONTRIB, "interactions": scoring_pb2.OUTPUT_KIND_INTERACTIONS}
NAMES = "auto, treeshap, quadrature"
with open(VECTORS / "shap_algorithms" / "manifest.json") as f:
    CROSS = {c["name"]: c for c in json.load(f)["cases"]}
LIGHTGBM_REASON = "QuadratureTreeSHAP is XGBoost's (3.3+); LightGBM models are explained by exact TreeSHAP"


def model_name(case):
    return (VECTORS / case["model"]).stem


def vector(case, output):
    """The training library's values for the first ROWS rows, flat."""
    spec = case["interactions"] if output == "interactions" else case["outputs"][output]
    return np.loadtxt(VECTORS / spec["file"], delimiter=",", ndmin=2)[:ROWS].ravel()


def cross_vector(name, output):
    """The other XGBoost's explanation of a case's file (tests/vectors/shap_algorithms),
    first ROWS rows, flat."""
    spec = CROSS[name][output]
    return np.loadtxt(VECTORS / "shap_algorithms" / spec["file"], delimiter=",", ndmin=2)[:ROWS].ravel()


def score_everywhere(server, stubs, case, output, algorithm):
    """{surface: flat float64 values} of the first ROWS rows, the algorithm given by name
    ("auto" sends nothing on the gRPC surfaces: the field's default; REST names it)."""
    scoring, inference = stubs
    X = case_inputs(case)[:ROWS].astype(np.float64)
    rows, cols = X.shape
    got = {}

    request = scoring_pb2.PredictRequest(model=model_name(case), rows=rows, cols=cols, output=KIND[output],
                                         float64_values=X.ravel().tolist(), shap_algorithm=ENUM[algorithm])
    got["grpc"] = np.array(scoring.Predict(request, timeout=60).values)
    [streamed] = scoring.PredictStream(iter([scoring_pb2.PredictStreamRequest(request=request, sequence=1)]),
                                       timeout=60)
    assert not streamed.error_message, streamed.error_message
    got["grpc stream"] = np.array(streamed.response.values)

    body = {"model": model_name(case), "rows": rows, "cols": cols, "output": output,
            "float64_values": json_numbers(X), "shap_algorithm": algorithm}
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    got["rest"] = exact_floats(json.loads(answer.text, parse_int=float)["values"])

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model_name(case), inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name=output)])
    infer.parameters["shap_algorithm"].string_param = algorithm
    reply = inference.ModelInfer(infer, timeout=60)
    got["oip grpc"] = np.frombuffer(reply.raw_output_contents[0], dtype="<f8")

    url = "%s/v2/models/%s/infer" % (server.url, model_name(case))
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}],
            "parameters": {"output": output, "shap_algorithm": algorithm}}
    answer = requests.post(url, json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    got["oip rest"] = exact_floats(json.loads(answer.text, parse_int=float)["outputs"][0]["data"])
    return got


def equal_everywhere(got, expected):
    """Every surface gives the expected bits (the message names each one that does not)."""
    wrong = [surface for surface, values in got.items() if not same_bits(values, expected)]
    assert not wrong, "not the expected bits: %s" % ", ".join(wrong)




@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_xgboost_34_file(vectors_server, stubs, output):
    expected = vector(XGB34, output)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "auto"), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "quadrature"), expected)
    cross = cross_vector("xgb34_binary_logistic.treeshap", output)  # xgboost 3.2.0's TreeSHAP
    assert not same_bits(cross, expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "treeshap"), cross)


@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_xgboost_32_file(vectors_server, stubs, output):
    expected = vector(XGB32, output)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "auto"), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "treeshap"), expected)
    cross = cross_vector("xgb3_binary_logistic.quadrature", output)  # xgboost 3.4.1's quadrature
    assert not same_bits(cross, expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "quadrature"), cross)


def test_rest_takes_the_proto3_json_names(vectors_server):
    X = case_inputs(XGB34)[:ROWS].astype(np.float64)
    quadrature, treeshap = vector(XGB34, "contrib"), cross_vector("xgb34_binary_logistic.treeshap", "contrib")
    expected = {"SHAP_ALGORITHM_UNSPECIFIED": quadrature, "SHAP_ALGORITHM_QUADRATURE": quadrature,
                "SHAP_ALGORITHM_TREESHAP": treeshap}
    for key, name in [("shapAlgorithm", "SHAP_ALGORITHM_UNSPECIFIED"), ("shap_algorithm", "SHAP_ALGORITHM_QUADRATURE"),
                      ("shapAlgorithm", "SHAP_ALGORITHM_TREESHAP")]:
        body = {"model": model_name(XGB34), "rows": len(X), "cols": X.shape[1], "output": "OUTPUT_KIND_CONTRIB",
                "float64_values": json_numbers(X), key: name}
        answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        got = exact_floats(json.loads(answer.text, parse_int=float)["values"])
        assert same_bits(got, expected[name]), name


def test_unknown_algorithms_are_refused_naming_them(vectors_server, stubs):
    scoring, inference = stubs
    X = case_inputs(XGB34)[:2].astype(np.float64)
    rows, cols = X.shape
    request = scoring_pb2.PredictRequest(model=model_name(XGB34), rows=rows, cols=cols,
                                         output=scoring_pb2.OUTPUT_KIND_CONTRIB, float64_values=X.ravel().tolist())
    request.shap_algorithm = 7  # a number the schema does not define (a newer client's)
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown shap_algorithm 7" in refused.value.details()

    body = {"model": model_name(XGB34), "rows": rows, "cols": cols, "output": "contrib",
            "float64_values": json_numbers(X), "shap_algorithm": "exact"}
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"] == '"shap_algorithm" must be one of %s, not "exact"' % NAMES
    body["shapAlgorithm"] = body.pop("shap_algorithm")
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400 and '"shapAlgorithm" must be one of' in answer.json()["error"], answer.text

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(model_name=model_name(XGB34), inputs=[tensor],
                                                  raw_input_contents=[X.astype("<f8").tobytes()])
    infer.parameters["output"].string_param = "contrib"
    infer.parameters["shap_algorithm"].string_param = "SHAP_ALGORITHM_TREESHAP"  # polyscore.v1's name, not the OIP's
    with pytest.raises(grpc.RpcError) as refused:
        inference.ModelInfer(infer, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ('parameter "shap_algorithm" must be one of %s, not "SHAP_ALGORITHM_TREESHAP"' % NAMES
            in refused.value.details())

    url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(XGB34))
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}],
            "parameters": {"output": "contrib", "shap_algorithm": "exact"}}
    answer = requests.post(url, json=body, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"] == '"parameters.shap_algorithm" must be one of %s, not "exact"' % NAMES


def test_quadrature_on_lightgbm_is_refused_with_the_reason(vectors_server, stubs):
    scoring, inference = stubs
    X = case_inputs(LGB)[:2].astype(np.float64)
    rows, cols = X.shape
    request = scoring_pb2.PredictRequest(model=model_name(LGB), rows=rows, cols=cols,
                                         output=scoring_pb2.OUTPUT_KIND_CONTRIB, float64_values=X.ravel().tolist(),
                                         shap_algorithm=scoring_pb2.SHAP_ALGORITHM_QUADRATURE)
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "UNSUPPORTED" in refused.value.details() and LIGHTGBM_REASON in refused.value.details()

    body = {"model": model_name(LGB), "rows": rows, "cols": cols, "output": "contrib",
            "float64_values": json_numbers(X), "shap_algorithm": "quadrature"}
    answer = requests.post(vectors_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400 and LIGHTGBM_REASON in answer.json()["error"], answer.text

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model_name(LGB), inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name="contrib")])
    infer.parameters["shap_algorithm"].string_param = "quadrature"
    with pytest.raises(grpc.RpcError) as refused:
        inference.ModelInfer(infer, timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION and LIGHTGBM_REASON in refused.value.details()

    url = "%s/v2/models/%s/infer" % (vectors_server.url, model_name(LGB))
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}],
            "outputs": [{"name": "contrib"}], "parameters": {"shap_algorithm": "quadrature"}}
    answer = requests.post(url, json=body, timeout=30)
    assert answer.status_code == 400 and LIGHTGBM_REASON in answer.json()["error"], answer.text

    # The default (exact TreeSHAP for LightGBM) still answers.
    request.shap_algorithm = scoring_pb2.SHAP_ALGORITHM_UNSPECIFIED
    assert same_bits(np.array(scoring.Predict(request, timeout=30).values), vector(LGB, "contrib")[:rows * (cols + 1)])


def test_treeshap_on_vector_leaves_is_refused(vectors_server, stubs):
    scoring, _ = stubs
    X = case_inputs(VECTOR_LEAF)[:2].astype(np.float64)
    rows, cols = X.shape
    request = scoring_pb2.PredictRequest(model=model_name(VECTOR_LEAF), rows=rows, cols=cols,
                                         output=scoring_pb2.OUTPUT_KIND_CONTRIB, float64_values=X.ravel().tolist())
    by_default = np.array(scoring.Predict(request, timeout=30).values)  # QuadratureTreeSHAP, as 3.4.1
    assert same_bits(by_default, vector(VECTOR_LEAF, "contrib")[:len(by_default)])
    request.shap_algorithm = scoring_pb2.SHAP_ALGORITHM_TREESHAP
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "UNSUPPORTED" in refused.value.details()
