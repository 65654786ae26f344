"""The SHAP algorithm of contributions and interaction values through the server:
polyscore.v1 PredictRequest.shap_algorithm over gRPC (and PredictStream) and REST
("shap_algorithm" / "shapAlgorithm"), and the Open Inference Protocol's request parameter
"shap_algorithm" over gRPC and REST; and a model's default algorithm in its config.json
("shap_algorithm"), which a request that names none gets while an explicit one, AUTO
included, wins.

The xgb34_ vectors are XGBoost 3.4.1's QuadratureTreeSHAP: the default and QUADRATURE
give them bit for bit; TREESHAP gives XGBoost 3.2.0's explanation of the same file
(tests/vectors/shap_algorithms), which differs in rounding. The xgb3_ vectors (XGBoost
3.2.0) are exact TreeSHAP: the default and TREESHAP give them; QUADRATURE gives XGBoost
3.4.1's explanation of that file. An unknown algorithm is INVALID_ARGUMENT / 400 naming it;
QUADRATURE on a LightGBM model is FAILED_PRECONDITION / 400 with the library's reason,
as other outputs a model cannot give.
"""
import json
import os
import signal
import time

import grpc
import numpy as np
import pytest
import requests

from serve_util import (CASES, VECTORS, Server, case_inputs, exact_floats, json_numbers, same_bits, scoring_pb2,
                        scoring_pb2_grpc)
from wire.inference import grpc_predict_v2_pb2  # generated; see serve_util

ROWS = 8
BY_NAME = {c["name"]: c for c in CASES}
XGB34 = BY_NAME["xgb34_binary_logistic"]
XGB32 = BY_NAME["xgb3_binary_logistic"]
LGB = BY_NAME["lgb4_binary"]
VECTOR_LEAF = BY_NAME["xgb34_multi_target_multi_output_tree"]
LINEAR = BY_NAME["lgb4_linear_binary"]  # LightGBM linear trees: no algorithm explains them
ENUM = {"auto": scoring_pb2.SHAP_ALGORITHM_AUTO, "treeshap": scoring_pb2.SHAP_ALGORITHM_TREESHAP,
        "quadrature": scoring_pb2.SHAP_ALGORITHM_QUADRATURE, None: scoring_pb2.SHAP_ALGORITHM_UNSPECIFIED}
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


def score_everywhere(server, stubs, case, output, algorithm, model=None):
    """{surface: flat float64 values} of the first ROWS rows of `case` scored by `model`
    (default the case's own), the algorithm given by name, or None for none on every
    surface (polyscore.v1's UNSPECIFIED, no REST field, no OIP parameter)."""
    scoring, inference = stubs
    X = case_inputs(case)[:ROWS].astype(np.float64)
    rows, cols = X.shape
    model = model or model_name(case)
    got = {}

    request = scoring_pb2.PredictRequest(model=model, rows=rows, cols=cols, output=KIND[output],
                                         float64_values=X.ravel().tolist(), shap_algorithm=ENUM[algorithm])
    got["grpc"] = np.array(scoring.Predict(request, timeout=60).values)
    [streamed] = scoring.PredictStream(iter([scoring_pb2.PredictStreamRequest(request=request, sequence=1)]),
                                       timeout=60)
    assert not streamed.error_message, streamed.error_message
    got["grpc stream"] = np.array(streamed.response.values)

    body = {"model": model, "rows": rows, "cols": cols, "output": output, "float64_values": json_numbers(X)}
    if algorithm is not None:
        body["shap_algorithm"] = algorithm
    answer = requests.post(server.url + "/v1/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    got["rest"] = exact_floats(json.loads(answer.text, parse_int=float)["values"])

    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64", shape=[rows, cols])
    infer = grpc_predict_v2_pb2.ModelInferRequest(
        model_name=model, inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()],
        outputs=[grpc_predict_v2_pb2.ModelInferRequest.InferRequestedOutputTensor(name=output)])
    if algorithm is not None:
        infer.parameters["shap_algorithm"].string_param = algorithm
    reply = inference.ModelInfer(infer, timeout=60)
    got["oip grpc"] = np.frombuffer(reply.raw_output_contents[0], dtype="<f8")

    url = "%s/v2/models/%s/infer" % (server.url, model)
    body = {"inputs": [{"name": "input", "shape": [rows, cols], "datatype": "FP64", "data": json_numbers(X)}],
            "parameters": {"output": output}}
    if algorithm is not None:
        body["parameters"]["shap_algorithm"] = algorithm
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
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, None), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "auto"), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "quadrature"), expected)
    cross = cross_vector("xgb34_binary_logistic.treeshap", output)  # xgboost 3.2.0's TreeSHAP
    assert not same_bits(cross, expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB34, output, "treeshap"), cross)


@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_xgboost_32_file(vectors_server, stubs, output):
    expected = vector(XGB32, output)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, None), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "auto"), expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "treeshap"), expected)
    cross = cross_vector("xgb3_binary_logistic.quadrature", output)  # xgboost 3.4.1's quadrature
    assert not same_bits(cross, expected)
    equal_everywhere(score_everywhere(vectors_server, stubs, XGB32, output, "quadrature"), cross)


def test_rest_takes_the_proto3_json_names(vectors_server):
    X = case_inputs(XGB34)[:ROWS].astype(np.float64)
    quadrature, treeshap = vector(XGB34, "contrib"), cross_vector("xgb34_binary_logistic.treeshap", "contrib")
    expected = {"SHAP_ALGORITHM_UNSPECIFIED": quadrature, "SHAP_ALGORITHM_QUADRATURE": quadrature,
                "SHAP_ALGORITHM_TREESHAP": treeshap, "SHAP_ALGORITHM_AUTO": quadrature}
    for key, name in [("shapAlgorithm", "SHAP_ALGORITHM_UNSPECIFIED"), ("shap_algorithm", "SHAP_ALGORITHM_QUADRATURE"),
                      ("shapAlgorithm", "SHAP_ALGORITHM_TREESHAP"), ("shap_algorithm", "SHAP_ALGORITHM_AUTO")]:
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


# ------------------------------------------ config.json "shap_algorithm": a model's default
# The XGBoost 3.2.0 file served to auditors who check with XGBoost 3.4.1 ("xgb32q"), the
# XGBoost 3.4.1 file the other way round ("xgb34t"), and configs that must not load.
CONFIGURED = {
    "xgb32q": (XGB32, {"shap_algorithm": "quadrature"}),
    "xgb34t": (XGB34, {"shap_algorithm": "treeshap", "default_output": "contrib"}),
    "bad_value": (XGB32, {"shap_algorithm": "exact"}),
    "bad_type": (XGB32, {"shap_algorithm": 2}),
    "lgb_quadrature": (LGB, {"shap_algorithm": "quadrature"}),
    "vector_treeshap": (VECTOR_LEAF, {"shap_algorithm": "treeshap"}),
    "linear_treeshap": (LINEAR, {"shap_algorithm": "treeshap"}),
}


@pytest.fixture(scope="module")
def configured_server(tmp_path_factory):
    models = tmp_path_factory.mktemp("configured")
    for name, (case, config) in CONFIGURED.items():
        source = VECTORS / case["model"]
        (models / name / "1").mkdir(parents=True)
        (models / name / "1" / ("model" + source.suffix)).symlink_to(source)
        (models / name / "config.json").write_text(json.dumps(config))
    server = Server(models, tmp_path_factory.mktemp("log"), "--max-rows", "1000")
    yield server
    assert server.stop() == 0, server.log_text()


@pytest.fixture(scope="module")
def configured_stubs(configured_server):
    from wire.inference import grpc_predict_v2_pb2_grpc  # generated; see the stubs fixture
    channel = grpc.insecure_channel(configured_server.grpc_target)
    yield scoring_pb2_grpc.ScoringServiceStub(channel), grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_configured_quadrature_on_an_xgboost_32_file(configured_server, configured_stubs, output):
    """A request naming no algorithm gets the config's (XGBoost 3.4.1's bits of the 3.2.0
    file); AUTO gets the file's writer's (3.2.0's exact TreeSHAP); an explicit one wins."""
    cross = cross_vector("xgb3_binary_logistic.quadrature", output)
    own = vector(XGB32, output)
    assert not same_bits(cross, own)
    serve = (configured_server, configured_stubs, XGB32, output)
    equal_everywhere(score_everywhere(*serve, None, model="xgb32q"), cross)
    equal_everywhere(score_everywhere(*serve, "quadrature", model="xgb32q"), cross)
    equal_everywhere(score_everywhere(*serve, "auto", model="xgb32q"), own)
    equal_everywhere(score_everywhere(*serve, "treeshap", model="xgb32q"), own)


def test_configured_treeshap_on_an_xgboost_34_file(configured_server, configured_stubs):
    cross = cross_vector("xgb34_binary_logistic.treeshap", "contrib")
    own = vector(XGB34, "contrib")
    serve = (configured_server, configured_stubs, XGB34, "contrib")
    equal_everywhere(score_everywhere(*serve, None, model="xgb34t"), cross)
    equal_everywhere(score_everywhere(*serve, "auto", model="xgb34t"), own)
    equal_everywhere(score_everywhere(*serve, "quadrature", model="xgb34t"), own)
    # Its default_output is contrib: a request naming neither output nor algorithm, over
    # the Open Inference Protocol's REST and gRPC.
    X = case_inputs(XGB34)[:ROWS].astype(np.float64)
    answer = requests.post(configured_server.url + "/v2/models/xgb34t/infer", timeout=60, json={
        "inputs": [{"name": "input", "shape": list(X.shape), "datatype": "FP64", "data": json_numbers(X)}]})
    assert answer.status_code == 200, answer.text
    [output] = json.loads(answer.text, parse_int=float)["outputs"]
    assert output["name"] == "contrib" and output["shape"] == [ROWS, 1, X.shape[1] + 1]
    assert same_bits(exact_floats(output["data"]), cross)
    tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="input", datatype="FP64",
                                                                    shape=list(X.shape))
    reply = configured_stubs[1].ModelInfer(grpc_predict_v2_pb2.ModelInferRequest(
        model_name="xgb34t", inputs=[tensor], raw_input_contents=[X.astype("<f8").tobytes()]), timeout=60)
    [output] = reply.outputs
    assert output.name == "contrib" and list(output.shape) == [ROWS, 1, X.shape[1] + 1]
    assert same_bits(np.frombuffer(reply.raw_output_contents[0], dtype="<f8"), cross)


def test_rest_proto3_names_unspecified_is_the_config_and_auto_the_file(configured_server):
    X = case_inputs(XGB32)[:ROWS].astype(np.float64)
    expected = {"SHAP_ALGORITHM_UNSPECIFIED": cross_vector("xgb3_binary_logistic.quadrature", "contrib"),
                "SHAP_ALGORITHM_AUTO": vector(XGB32, "contrib")}
    for name, values in expected.items():
        body = {"model": "xgb32q", "rows": len(X), "cols": X.shape[1], "output": "contrib",
                "float64_values": json_numbers(X), "shapAlgorithm": name}
        answer = requests.post(configured_server.url + "/v1/predict", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        assert same_bits(exact_floats(json.loads(answer.text, parse_int=float)["values"]), values), name


def test_metadata_reports_the_configured_algorithm(configured_server, vectors_server):
    for server, model, enum, name in [
            (configured_server, "xgb32q", scoring_pb2.SHAP_ALGORITHM_QUADRATURE, "quadrature"),
            (configured_server, "xgb34t", scoring_pb2.SHAP_ALGORITHM_TREESHAP, "treeshap"),
            (vectors_server, model_name(XGB32), scoring_pb2.SHAP_ALGORITHM_AUTO, "auto")]:
        with grpc.insecure_channel(server.grpc_target) as channel:
            grpc_answer = scoring_pb2_grpc.ScoringServiceStub(channel).GetModelMetadata(
                scoring_pb2.GetModelMetadataRequest(model=model), timeout=10)
        assert grpc_answer.default_shap_algorithm == enum, model
        rest = requests.get(server.url + "/v1/models/" + model, timeout=10)
        assert rest.status_code == 200 and rest.json()["default_shap_algorithm"] == name, rest.text


@pytest.mark.parametrize("model,words", [
    ("bad_value", 'config.json: shap_algorithm must be one of %s, not "exact"' % NAMES),
    ("bad_type", "config.json: shap_algorithm must be one of %s, not 2" % NAMES),
    ("lgb_quadrature", 'config.json: shap_algorithm "quadrature" cannot explain this model: PS_ERR_UNSUPPORTED: '
                       + LIGHTGBM_REASON),
    ("vector_treeshap", 'config.json: shap_algorithm "treeshap" cannot explain this model: PS_ERR_UNSUPPORTED: '
                        "contributions of multi-target trees (vector leaves) are not supported by exact TreeSHAP"),
])
def test_a_config_the_model_cannot_follow_keeps_it_from_serving(configured_server, model, words):
    """Refused at load, not at the first request: the model does not serve even values,
    and the reason names the config, its value and why."""
    answer = requests.get(configured_server.url + "/v2/models/%s/ready" % model, timeout=10)
    assert answer.status_code == 400
    X = case_inputs(CONFIGURED[model][0])[:1].astype(np.float64)
    answer = requests.post(configured_server.url + "/v1/predict", timeout=30, json={
        "model": model, "rows": 1, "cols": X.shape[1], "output": "value", "float64_values": json_numbers(X)})
    assert answer.status_code == 503 and "failed to load" in answer.json()["error"], answer.text
    assert words in answer.json()["error"], answer.json()
    assert ('/%s/config.json' % model) in answer.json()["error"]
    failures = [e for e in configured_server.log_entries() if e.get("msg") == "model load failed"]
    assert any(e["model"] == model and words in e["error"] for e in failures), failures


def test_a_config_on_a_model_no_algorithm_explains_still_serves_its_values(configured_server):
    """LightGBM linear trees have no SHAP algorithm at all: "treeshap" in the config is not
    what stops their explanations, so the model loads and scores values (the library's
    bits), and a contrib request gets the library's reason, as without the config."""
    assert requests.get(configured_server.url + "/v2/models/linear_treeshap/ready", timeout=10).status_code == 200
    X = case_inputs(LINEAR)[:ROWS].astype(np.float64)
    body = {"model": "linear_treeshap", "rows": len(X), "cols": X.shape[1], "float64_values": json_numbers(X)}
    answer = requests.post(configured_server.url + "/v1/predict", timeout=30, json=dict(body, output="value"))
    assert answer.status_code == 200, answer.text
    assert same_bits(exact_floats(json.loads(answer.text, parse_int=float)["values"]), vector(LINEAR, "value"))
    answer = requests.post(configured_server.url + "/v1/predict", timeout=30, json=dict(body, output="contrib"))
    assert answer.status_code == 400 and "linear trees" in answer.json()["error"], answer.text


def test_a_changed_config_is_followed_after_reload_and_a_bad_one_keeps_the_last(tmp_path):
    """config.json is part of what a reload reads: a changed shap_algorithm becomes the
    default of requests naming none (and the metadata's); one the model cannot follow is
    refused, and the version keeps serving with the config it had."""
    models = tmp_path / "models"
    source = VECTORS / XGB32["model"]
    (models / "m" / "1").mkdir(parents=True)
    (models / "m" / "1" / ("model" + source.suffix)).symlink_to(source)
    config = models / "m" / "config.json"

    def write_config(algorithm):
        (models / "m" / "config.tmp").write_text(json.dumps({"shap_algorithm": algorithm}))
        os.replace(models / "m" / "config.tmp", config)

    def default_now():
        return requests.get(server.url + "/v1/models/m", timeout=10).json()["default_shap_algorithm"]

    def wait_for(condition, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False

    write_config("quadrature")
    server = Server(models, tmp_path)
    try:
        with grpc.insecure_channel(server.grpc_target) as channel:
            from wire.inference import grpc_predict_v2_pb2_grpc  # generated; see the stubs fixture
            stubs = (scoring_pb2_grpc.ScoringServiceStub(channel),
                     grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel))
            cross = cross_vector("xgb3_binary_logistic.quadrature", "contrib")
            own = vector(XGB32, "contrib")
            assert default_now() == "quadrature"
            equal_everywhere(score_everywhere(server, stubs, XGB32, "contrib", None, model="m"), cross)

            write_config("treeshap")
            server.signal(signal.SIGHUP)
            assert wait_for(lambda: default_now() == "treeshap"), server.log_text()
            equal_everywhere(score_everywhere(server, stubs, XGB32, "contrib", None, model="m"), own)

            write_config("quadrature-ish")
            server.signal(signal.SIGHUP)
            assert wait_for(lambda: any(e.get("msg") == "model load failed; the previous version keeps serving"
                                        for e in server.log_entries())), server.log_text()
            assert default_now() == "treeshap"
            equal_everywhere(score_everywhere(server, stubs, XGB32, "contrib", None, model="m"), own)
    finally:
        assert server.stop() == 0, server.log_text()
