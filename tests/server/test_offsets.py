"""Per-row margin offsets (PredictRequest.base_margin) through polyscore.v1: gRPC Predict,
gRPC PredictStream and REST /v1/predict give the C library's own answer with the same
offsets, bit for bit, for each model of tests/vectors/offsets (XGBoost binary, Poisson,
softprob, gblinear Gamma; LightGBM Poisson). A wrong length is INVALID_ARGUMENT / 400
with the library's message.
"""
import json

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to
from serve_util import VECTORS, Server, json_numbers, polyscore_c, same_bits, scoring_pb2, scoring_pb2_grpc

OFFSETS = VECTORS / "offsets"
with open(OFFSETS / "manifest.json") as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}
KIND = {"value": scoring_pb2.OUTPUT_KIND_VALUE, "margin": scoring_pb2.OUTPUT_KIND_MARGIN,
        "contrib": scoring_pb2.OUTPUT_KIND_CONTRIB, "leaf": scoring_pb2.OUTPUT_KIND_LEAF}


def model_name(case):
    return (OFFSETS / case["model"]).stem


def inputs(case):
    X = np.loadtxt(OFFSETS / case["input"], delimiter=",", dtype=np.float64, ndmin=2)
    offsets = np.loadtxt(OFFSETS / case["base_margin"], delimiter=",", dtype=np.float64, ndmin=2)
    return X.reshape(-1, case["num_features"]), offsets.reshape(-1, case["num_margins"])


def c_result(case, X, offsets, output):
    model = polyscore_c.load(str(OFFSETS / case["model"]))
    try:
        out = model.predict(X, output=output, base_margin=offsets)
        return np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)
    finally:
        model.close()


@pytest.fixture(scope="module")
def offsets_server(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    for case in CASES.values():
        source = OFFSETS / case["model"]
        target = models / source.stem / "1"
        target.mkdir(parents=True)
        (target / ("model" + source.suffix)).symlink_to(source)
    server = Server(models, tmp_path_factory.mktemp("log"))
    yield server
    assert server.stop() == 0, server.log_text()


@pytest.fixture(scope="module")
def scoring(offsets_server):
    channel = channel_to(offsets_server)
    yield scoring_pb2_grpc.ScoringServiceStub(channel)
    channel.close()


def grpc_request(case, X, offsets, output):
    request = scoring_pb2.PredictRequest(model=model_name(case), rows=X.shape[0], cols=X.shape[1],
                                         output=KIND[output], base_margin=offsets.ravel().tolist())
    values = request.float32_values if X.dtype == np.float32 else request.float64_values
    values.extend(X.ravel().tolist())
    return request


def rest_body(case, X, offsets, output, key="base_margin"):
    return {"model": model_name(case), "rows": X.shape[0], "cols": X.shape[1], "output": output,
            ("float32_values" if X.dtype == np.float32 else "float64_values"): json_numbers(X),
            key: json_numbers(offsets)}


def rest_values(answer):
    assert answer.status_code == 200, answer.text
    got = json.loads(answer.text, parse_int=float)  # keeps the sign of -0.0
    return np.array([np.nan if v is None else v for v in got["values"]], dtype=np.float64)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("output", ["value", "margin", "contrib"])
def test_offsets_give_the_libraries_answer(offsets_server, scoring, name, output):
    case = CASES[name]
    if output == "contrib" and name.endswith("_multi_output_tree"):
        pytest.skip("polyscore refuses contributions of multi-target trees (tests/core/test_interactions.cc)")
    X64, offsets = inputs(case)
    # float64 and float32 batches, and one float64 row (the server's no-allocation row path).
    for X, bm in ((X64, offsets), (X64.astype(np.float32), offsets), (X64[3:4], offsets[3:4])):
        expected = c_result(case, X, bm, output)
        # The offsets matter: without them the library answers otherwise.
        assert not same_bits(expected, c_result(case, X, None, output))

        reply = scoring.Predict(grpc_request(case, X, bm, output), timeout=30)
        assert (reply.rows, reply.cols) == expected.shape
        assert same_bits(np.array(reply.values), expected), ("grpc", X.dtype, X.shape)

        stream = list(scoring.PredictStream(iter([scoring_pb2.PredictStreamRequest(
            sequence=7, request=grpc_request(case, X, bm, output))]), timeout=30))
        assert len(stream) == 1 and stream[0].sequence == 7 and not stream[0].error_message
        assert same_bits(np.array(stream[0].response.values), expected), ("stream", X.dtype, X.shape)

        for key in ("base_margin", "baseMargin"):
            answer = requests.post(offsets_server.url + "/v1/predict", json=rest_body(case, X, bm, output, key),
                                   timeout=30)
            assert same_bits(rest_values(answer), expected), ("rest", key, X.dtype, X.shape)

    # The training library's own numbers (XGBoost 3.2, LightGBM 4), as the CLI test reads them.
    if output != "contrib":
        library = np.loadtxt(OFFSETS / case["outputs"][output]["file"], delimiter=",", ndmin=2)
        assert np.allclose(c_result(case, X64, offsets, output), library, rtol=4e-16, atol=0)


def test_a_wrong_length_is_refused_with_the_librarys_message(offsets_server, scoring):
    case = CASES["xgb3_offset_softprob"]  # 3 margins per row
    X, offsets = inputs(case)
    short = offsets.ravel()[:-1]
    message = "base_margin has %d values; expected %d rows x 3 margins = %d" % (
        short.size, X.shape[0], offsets.size)
    with pytest.raises(polyscore_c.InvalidArgumentError) as library:
        c_result(case, X, short, "value")
    assert message in str(library.value)

    request = grpc_request(case, X, short, "value")
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in refused.value.details()

    stream = list(scoring.PredictStream(iter([scoring_pb2.PredictStreamRequest(sequence=1, request=request)]),
                                        timeout=30))
    assert stream[0].error_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert message in stream[0].error_message

    answer = requests.post(offsets_server.url + "/v1/predict", json=rest_body(case, X, short, "value"), timeout=30)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_offsets_the_library_refuses_are_refused(offsets_server, scoring):
    case = CASES["xgb3_offset_binary"]
    X, offsets = inputs(case)
    # Leaf ids do not depend on the margin.
    with pytest.raises(grpc.RpcError) as refused:
        scoring.Predict(grpc_request(case, X, offsets, "leaf"), timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "PS_OUTPUT_LEAF" in refused.value.details()
    # Offsets for rows that are not there: refused, not dropped with the empty batch.
    answer = requests.post(offsets_server.url + "/v1/predict", json=rest_body(case, X[:0], offsets[:2], "value"),
                           timeout=30)
    assert answer.status_code == 400
    assert "base_margin has 2 values; expected 0 rows x 1 margins = 0" in answer.json()["error"]
    # Both JSON names at once is ambiguous.
    body = rest_body(case, X, offsets, "value")
    body["baseMargin"] = body["base_margin"]
    answer = requests.post(offsets_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400 and '"base_margin" and "baseMargin"' in answer.json()["error"]
    # A non-number names its place.
    body = rest_body(case, X, offsets, "value")
    body["base_margin"][5] = "0.5"
    answer = requests.post(offsets_server.url + "/v1/predict", json=body, timeout=30)
    assert answer.status_code == 400 and "base_margin[5]" in answer.json()["error"]
