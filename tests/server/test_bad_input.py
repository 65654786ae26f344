"""Every kind of bad input gets its own status and message, and the server keeps serving.

Each test ends by checking that a good request still gets the right answer; the
fixtures check that the server then drains and exits 0 on SIGTERM.
"""
import math
import socket
import time

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to
from wire.inference import grpc_predict_v2_pb2, grpc_predict_v2_pb2_grpc  # generated; see serve_util
from serve_util import (EXAMPLE_MODELS, FRAUD_MODEL, fraud_pb2, fraud_pb2_grpc,
                        polyscore_c, scoring_pb2, scoring_pb2_grpc)

GOOD = {"features": [0.4, 1.2], "model": "fraud-v3"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from serve_util import Server
    s = Server(EXAMPLE_MODELS, tmp_path_factory.mktemp("bad"), "--max-body-bytes", "4096",
               "--max-rows", "10", "--read-timeout-ms", "500")
    yield s
    assert s.stop() == 0, s.log_text()


def still_serving(server):
    answer = requests.post(server.url + "/predict", json=GOOD, timeout=10)
    assert answer.status_code == 200 and answer.json()["score"] == 0.8551127314567566
    assert server.proc.poll() is None


def post(server, path, body):
    if isinstance(body, (dict, list)):
        return requests.post(server.url + path, json=body, timeout=10)
    return requests.post(server.url + path, data=body, timeout=10)


@pytest.mark.parametrize("path, body, status, words", [
    ("/predict", '{"features":[0.4,1.2],"model":"fraud-v3"', 400, "malformed JSON"),
    ("/predict", '{"features":[0.4,1.2],"model":"fraud-v3"} trailing', 400, "malformed JSON"),
    ("/predict", "[0.4, 1.2]", 400, "must be a JSON object"),
    ("/predict", "", 400, "malformed JSON"),
    ("/predict", {"featurs": [0.4, 1.2], "model": "fraud-v3"}, 400, 'unknown field "featurs"'),
    ("/predict", {"features": [0.4, 1.2], "modle": "fraud-v3"}, 400, 'unknown field "modle"'),
    ("/predict", {"features": [0.4, 1.2]}, 400, 'missing field "model"'),
    ("/predict", {"model": "fraud-v3"}, 400, 'missing field "features"'),
    ("/predict", {"features": [0.4], "model": "fraud-v3"}, 400, "takes 2 features per row, got 1"),
    ("/predict", {"features": [0.4, 1.2, 3.0], "model": "fraud-v3"}, 400, "got 3"),
    ("/predict", {"features": [0.4, "1.2"], "model": "fraud-v3"}, 400, '"features[1]" is a string'),
    ("/predict", {"features": [0.4, True], "model": "fraud-v3"}, 400, '"features[1]" is a boolean'),
    ("/predict", {"features": [0.4, [1.2]], "model": "fraud-v3"}, 400, '"features[1]" is an array'),
    ("/predict", {"features": "0.4,1.2", "model": "fraud-v3"}, 400, '"features" must be an array'),
    ("/predict", '{"features":[0.4,NaN],"model":"fraud-v3"}', 400, ""),
    ("/predict", '{"features":[0.4,-inf],"model":"fraud-v3"}', 400, "not a JSON number"),
    ("/predict", {"features": [0.4, 1.2], "model": 3}, 400, '"model" must be a string'),
    ("/predict", {"features": [0.4, 1.2], "model": "fraud-v4"}, 404, 'unknown model "fraud-v4"'),
    ("/v1/predict", {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [1, 2], "outptu": "leaf"},
     400, 'unknown field "outptu"'),
    ("/v1/predict", {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [1, 2], "output": "proba"},
     400, '"output" must be'),
    ("/v1/predict", {"model": "fraud-v3", "rows": 2, "cols": 2, "float64_values": [1, 2]}, 400,
     "2 values for 2 rows of 2 features"),
    ("/v1/predict", {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [1, 2],
                     "float32_values": [1, 2]}, 400, "exactly one of"),
    ("/v1/predict", {"model": "fraud-v3", "rows": -1, "cols": 2, "float64_values": [1, 2]}, 400,
     '"rows" must be a non-negative integer'),
    ("/v1/predict", {"model": "fraud-v3", "rows": 11, "cols": 2, "float64_values": [0] * 22}, 413,
     "11 rows in one request; the limit is 10"),
    ("/v1/predict", {"model": "fraud-v3", "version": "7", "rows": 1, "cols": 2, "float64_values": [1, 2]},
     404, 'has no version "7"'),
    ("/v1/predict", {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [1, 2],
                     "iterations": {"begin": 1, "ende": 2}}, 400, 'unknown field "ende" in "iterations"'),
    ("/v2/models/fraud-v3/infer", {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]}]},
     400, "polyscore takes FP32 or FP64"),
    ("/v2/models/fraud-v3/infer", {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2],
                                               "shap": [1]}]}, 400, 'unknown field "shap" in "inputs[0]"'),
    ("/v2/models/fraud-v3/infer", {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}],
                                   "outputs": [{"name": "proba"}]}, 400, 'unknown output "proba"'),
    ("/v2/models/fraud-v3/infer", {"inputs": []}, 400, "expected 1 input tensor, got 0"),
    ("/v2/models/fraud-v3/versions/2/infer",
     {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}, 404, 'has no version "2"'),
    ("/v2/models/nope/infer", {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]},
     404, 'unknown model "nope"'),
    ("/v2/models/fraud-v3/infer", {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1e39, 2]}]},
     200, ""),
    ("/nowhere", {}, 404, "no such path"),
])
def test_bad_json_requests(server, path, body, status, words):
    answer = post(server, path, body)
    assert answer.status_code == status, answer.text
    if status != 200:
        assert words in answer.json()["error"]
    still_serving(server)


def test_null_features_are_missing_values(server):
    answer = requests.post(server.url + "/predict", json={"features": [0.4, None], "model": "fraud-v3"}, timeout=10)
    with polyscore_c.load(str(FRAUD_MODEL)) as model:
        assert answer.json()["score"] == float(model.predict_row([0.4, math.nan])[0])


def test_wrong_method_is_405(server):
    assert requests.get(server.url + "/predict", timeout=10).status_code == 405
    assert requests.post(server.url + "/v2/health/live", timeout=10).status_code == 405


def test_oversized_body_is_413(server):
    body = '{"features":[' + ",".join(["0.5"] * 2000) + '],"model":"fraud-v3"}'
    answer = requests.post(server.url + "/predict", data=body, timeout=10)
    assert answer.status_code == 413
    assert "4096 bytes" in answer.json()["error"]
    still_serving(server)


def raw_connection(server):
    return socket.create_connection(("127.0.0.1", server.http_port), timeout=10)


def read_all(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def test_malformed_http_is_400(server):
    with raw_connection(server) as sock:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 400")
    still_serving(server)


def test_slow_client_is_cut_off_and_others_are_served(server):
    # The clock starts before the connection: the server's starts when it accepts, so a
    # client held up between connecting and reading the clock would see a shorter wait.
    started = time.monotonic()
    with raw_connection(server) as slow:
        slow.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Le")
        still_serving(server)  # answered while the slow client holds its connection
        assert read_all(slow) == b""  # the server closes it after --read-timeout-ms
        assert 0.3 < time.monotonic() - started < 5
    still_serving(server)


def test_half_closed_and_vanishing_clients(server):
    with raw_connection(server) as half:
        half.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"feat")
        half.shutdown(socket.SHUT_WR)
        assert read_all(half) == b""
    for _ in range(20):  # disconnects mid-body, with a body the server is still reading
        sock = raw_connection(server)
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"features\":[0.4,")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # RST
    still_serving(server)


def open_fds(server):
    import os
    return len(os.listdir("/proc/%d/fd" % server.proc.pid))


def test_abusive_clients_leak_no_connection(server):
    still_serving(server)
    before = open_fds(server)
    for _ in range(30):
        with raw_connection(server) as sock:  # half a header, then gone
            sock.sendall(b"POST /predict HTTP/1.1\r\nContent-Le")
        with raw_connection(server) as sock:  # half a body, then half-closed
            sock.sendall(b"POST /predict HTTP/1.1\r\nContent-Length: 50\r\n\r\n{")
            sock.shutdown(socket.SHUT_WR)
        with raw_connection(server) as sock:  # an idle keep-alive connection
            sock.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(4096)
    # Idle connections close after --read-timeout-ms (500 ms here).
    assert wait_for_fds(server, before), (open_fds(server), before)
    still_serving(server)


def wait_for_fds(server, count, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if open_fds(server) <= count:
            return True
        time.sleep(0.1)
    return False


def test_keep_alive_serves_many_requests_on_one_connection(server):
    with requests.Session() as session:
        for _ in range(200):
            assert session.post(server.url + "/predict", json=GOOD, timeout=10).status_code == 200


# --- gRPC ---

def rpc_error(call):
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_grpc_bad_requests(server):
    with channel_to(server) as channel:
        fraud = fraud_pb2_grpc.FraudScorerStub(channel)
        scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        oip = grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel)

        e = rpc_error(lambda: fraud.Predict(fraud_pb2.PredictRequest(features=[0.4], model="fraud-v3")))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "takes 2 features per row, got 1" in e.details()
        e = rpc_error(lambda: fraud.Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v9")))
        assert e.code() == grpc.StatusCode.NOT_FOUND and 'unknown model "fraud-v9"' in e.details()
        e = rpc_error(lambda: fraud.Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2])))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "no model named" in e.details()

        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", version="3", rows=1, cols=2, float64_values=[1, 2])))
        assert e.code() == grpc.StatusCode.NOT_FOUND and 'has no version "3"' in e.details()
        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", rows=1, cols=2, float64_values=[1, 2], float32_values=[1, 2])))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "not both" in e.details()
        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", rows=3, cols=2, float64_values=[1, 2])))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "2 values for 3 rows" in e.details()
        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", rows=2 ** 62, cols=2, float64_values=[1, 2])))
        assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "the limit is 10" in e.details()
        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", rows=1, cols=2, float64_values=[1, 2], output=9)))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "unknown output kind 9" in e.details()
        e = rpc_error(lambda: scoring.Predict(scoring_pb2.PredictRequest(
            model="fraud-v3", rows=1, cols=2, float64_values=[1] * 1000)))  # 8 kB > --max-body-bytes
        assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

        tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor(name="x", datatype="FP64", shape=[1, 2])
        e = rpc_error(lambda: oip.ModelInfer(grpc_predict_v2_pb2.ModelInferRequest(
            model_name="fraud-v3", inputs=[tensor], raw_input_contents=[b"\x00" * 15])))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "not a whole number of FP64" in e.details()
        tensor.datatype = "BYTES"
        e = rpc_error(lambda: oip.ModelInfer(grpc_predict_v2_pb2.ModelInferRequest(
            model_name="fraud-v3", inputs=[tensor])))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "FP32 or FP64" in e.details()

        # Bytes that are not a protobuf message of the method's type.
        raw = channel.unary_unary("/fraud.v1.FraudScorer/Predict",
                                  request_serializer=lambda b: b, response_deserializer=lambda b: b)
        e = rpc_error(lambda: raw(b"\xff\xff\xff\xff\x0f garbage", timeout=10))
        assert e.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)

        # Still serving.
        reply = fraud.Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3"), timeout=10)
        assert reply.score == 0.8551127314567566


def test_grpc_stream_answers_each_request_in_order(server):
    def requests_():
        for i in range(50):
            features = [0.4, 1.2] if i % 5 else [0.4]  # every fifth is bad
            yield scoring_pb2.PredictStreamRequest(sequence=i, request=scoring_pb2.PredictRequest(
                model="fraud-v3", rows=1, cols=len(features), float64_values=features))
    with channel_to(server) as channel:
        replies = list(scoring_pb2_grpc.ScoringServiceStub(channel).PredictStream(requests_(), timeout=30))
    assert [r.sequence for r in replies] == list(range(50))
    for r in replies:
        if r.sequence % 5:
            assert r.error_code == 0 and list(r.response.values) == [0.8551127314567566]
        else:
            assert r.error_code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "got 1" in r.error_message


def test_grpc_client_that_cancels_mid_call(server):
    with channel_to(server) as channel:
        scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        for _ in range(20):
            future = scoring.Predict.future(scoring_pb2.PredictRequest(
                model="fraud-v3", rows=10, cols=2, float32_values=np.zeros(20).tolist()))
            future.cancel()
    still_serving(server)
