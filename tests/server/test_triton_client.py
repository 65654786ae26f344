"""The official Triton client (tritonclient from PyPI), unchanged, against polyscore serve."""
import json
import struct

import numpy as np
import pytest
import requests
import tritonclient.grpc as triton_grpc
import tritonclient.http as triton_http
from tritonclient.utils import InferenceServerException

from serve_util import FRAUD_MODEL, polyscore_c

ROWS = np.array([[0.4, 1.2], [-1.0, 0.3], [np.nan, 2.0]])
# tritonclient's JSON mode writes NaN as the bare word NaN, which is not JSON (the
# server wants null); over HTTP it sends rows without missing values.
HTTP_ROWS = ROWS[:2]


def expected(output="value"):
    with polyscore_c.load(str(FRAUD_MODEL)) as model:
        return np.asarray(model.predict(ROWS, output=output), dtype=np.float64).reshape(len(ROWS), -1)


def test_tritonclient_http(fraud_server):
    client = triton_http.InferenceServerClient(url="127.0.0.1:%d" % fraud_server.http_port)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("fraud-v3")
    meta = client.get_model_metadata("fraud-v3")
    assert meta["name"] == "fraud-v3" and meta["inputs"][0]["shape"] == [-1, 2]
    assert client.get_server_metadata()["name"] == "polyscore"
    for dtype, datatype in ((np.float64, "FP64"), (np.float32, "FP32")):
        data = HTTP_ROWS.astype(dtype)
        inputs = [triton_http.InferInput("input", list(data.shape), datatype)]
        inputs[0].set_data_from_numpy(data, binary_data=False)
        outputs = [triton_http.InferRequestedOutput("value", binary_data=False),
                   triton_http.InferRequestedOutput("margin", binary_data=False)]
        result = client.infer("fraud-v3", inputs, outputs=outputs, request_id="r1")
        with polyscore_c.load(str(FRAUD_MODEL)) as model:
            for name in ("value", "margin"):
                want = np.asarray(model.predict(data, output=name), dtype=np.float64).reshape(len(data), -1)
                assert np.array_equal(result.as_numpy(name), want)
        assert result.get_response()["id"] == "r1"


def test_tritonclient_grpc(fraud_server):
    client = triton_grpc.InferenceServerClient(url=fraud_server.grpc_target)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("fraud-v3")
    meta = client.get_model_metadata("fraud-v3", as_json=True)
    assert meta["name"] == "fraud-v3" and meta["versions"] == ["1"]
    inputs = [triton_grpc.InferInput("input", list(ROWS.shape), "FP64")]
    inputs[0].set_data_from_numpy(ROWS)
    result = client.infer("fraud-v3", inputs, outputs=[triton_grpc.InferRequestedOutput("value")])
    assert np.array_equal(result.as_numpy("value"), expected())
    assert result.as_numpy("value")[0, 0] == 0.8551127314567566
    client.close()


def test_tritonclient_repository_api(start_server, fraud_copy):
    """tritonclient's load_model, unload_model and get_model_repository_index, both protocols."""
    server = start_server(fraud_copy, "--model-control", "explicit")
    http = triton_http.InferenceServerClient(url="127.0.0.1:%d" % server.http_port)
    grpc_client = triton_grpc.InferenceServerClient(url=server.grpc_target)
    assert http.get_model_repository_index() == [{"name": "fraud-v3", "version": "1", "state": "READY"}]
    http.unload_model("fraud-v3")
    assert not http.is_model_ready("fraud-v3")
    assert not grpc_client.is_model_ready("fraud-v3")  # known, unloaded: ready false, no error
    index = grpc_client.get_model_repository_index(as_json=True)["models"]
    assert index == [{"name": "fraud-v3", "state": "UNAVAILABLE", "reason": "unloaded"}]
    grpc_client.load_model("fraud-v3")
    assert http.is_model_ready("fraud-v3")
    grpc_client.unload_model("fraud-v3")
    assert not http.is_model_ready("fraud-v3")
    http.load_model("fraud-v3")
    assert grpc_client.is_model_ready("fraud-v3")
    with pytest.raises(InferenceServerException, match="no-such-model"):
        http.load_model("no-such-model")
    with pytest.raises(InferenceServerException, match="no-such-model"):
        grpc_client.load_model("no-such-model")
    grpc_client.close()


@pytest.mark.parametrize("dtype, datatype", [(np.float64, "FP64"), (np.float32, "FP32")])
def test_tritonclient_http_binary_data(fraud_server, dtype, datatype):
    """tritonclient's default HTTP mode, binary tensors both ways, NaN (missing) included,
    every output kind: the C library's answers bit for bit."""
    client = triton_http.InferenceServerClient(url="127.0.0.1:%d" % fraud_server.http_port)
    data = ROWS.astype(dtype)
    inputs = [triton_http.InferInput("input", list(data.shape), datatype)]
    inputs[0].set_data_from_numpy(data)  # binary_data=True, the default
    names = ("value", "margin", "leaf", "contrib", "interactions")
    outputs = [triton_http.InferRequestedOutput(name) for name in names]
    result = client.infer("fraud-v3", inputs, outputs=outputs)
    with polyscore_c.load(str(FRAUD_MODEL)) as model:
        for name in names:
            want = np.asarray(model.predict(data, output=name), dtype=np.float64).reshape(len(data), -1)
            got = result.as_numpy(name)
            assert got.dtype == np.float64
            assert got.reshape(len(data), -1).view(np.uint64).tolist() == want.view(np.uint64).tolist(), name
            assert result.get_output(name)["parameters"]["binary_data_size"] == want.size * 8
    assert list(result.as_numpy("contrib").shape) == [len(data), 1, 3]  # [rows, margins, features + 1]
    assert list(result.as_numpy("interactions").shape) == [len(data), 1, 3, 3]
    # No outputs named: tritonclient asks for every output in binary (binary_data_output).
    result = client.infer("fraud-v3", inputs)
    assert result.get_output("value")["parameters"]["binary_data_size"] == len(data) * 8
    with polyscore_c.load(str(FRAUD_MODEL)) as model:
        want = np.asarray(model.predict(data), dtype=np.float64)
    assert result.as_numpy("value").reshape(-1).view(np.uint64).tolist() == want.reshape(-1).view(np.uint64).tolist()


def test_binary_data_errors_name_the_problem(fraud_server):
    url = fraud_server.url + "/v2/models/fraud-v3/infer"
    header = {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64",
                          "parameters": {"binary_data_size": 16}}]}
    text = json.dumps(header).encode()

    def post(body, length):
        return requests.post(url, data=body, headers={"Inference-Header-Content-Length": str(length)}, timeout=10)

    ok = post(text + struct.pack("<2d", 0.4, 1.2), len(text))
    assert ok.status_code == 200, ok.text
    assert json.loads(ok.content)["outputs"][0]["data"] == [0.8551127314567566]
    cases = [
        (post(text + struct.pack("<2d", 0.4, 1.2), len(text) + 100), "Inference-Header-Content-Length"),
        (post(text + struct.pack("<2d", 0.4, 1.2), "ten"), "Inference-Header-Content-Length"),
        (post(text + struct.pack("<d", 0.4), len(text)), "runs past"),
        (post(text + struct.pack("<2d", 0.4, 1.2) + b"xx", len(text)), "belong to no input"),
        (post(text.replace(b"16", b"15") + b"\0" * 15, len(text)), "whole number of FP64"),
        (post(text[:-1] + struct.pack("<2d", 0.4, 1.2), len(text)), "malformed JSON"),
    ]
    for answer, words in cases:
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["error"]
