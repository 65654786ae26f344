"""Triton's model repository extension: index, load and unload over REST and gRPC.

Load and unload answer only with --model-control explicit; a load swaps the model's new
versions in atomically, so clients scoring throughout see every answer from exactly
the version it names, and none fails.
"""
import os
import shutil
import signal
import threading
import time

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to
from serve_util import VECTORS, polyscore_c, same_bits, scoring_pb2, scoring_pb2_grpc
from wire.inference import grpc_predict_v2_pb2 as oip, grpc_predict_v2_pb2_grpc as oip_grpc

FRAUD = {"features": [0.4, 1.2], "model": "fraud-v3"}
# Two binary models of 8 features that score the same rows differently: version 1 and 2.
MODEL_V1 = VECTORS / "models" / "xgb1_bigish_binary_logistic.json"
MODEL_V2 = VECTORS / "models" / "lgb4_bigish_binary.txt"


def index(server, **body):
    answer = requests.post(server.url + "/v2/repository/index", json=body or None, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def post(server, path, body=None):
    return requests.post(server.url + path, json=body, timeout=30)


def wait_until(condition, what, timeout=120):
    """Polls condition until it holds; a generous deadline, for a loaded machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out after %ds waiting for %s" % (timeout, what)
        time.sleep(0.02)


def oip_stub(server):
    return oip_grpc.GRPCInferenceServiceStub(channel_to(server))


def test_index_answers_and_load_unload_are_refused_by_default(start_server):
    server = start_server()
    assert index(server) == [{"name": "fraud-v3", "version": "1", "state": "READY"}]
    for action in ("load", "unload"):
        answer = post(server, "/v2/repository/models/fraud-v3/" + action)
        assert answer.status_code == 400
        assert "--model-control explicit" in answer.json()["error"]
    stub = oip_stub(server)
    reply = stub.RepositoryIndex(oip.RepositoryIndexRequest(), timeout=10)
    assert [(m.name, m.version, m.state) for m in reply.models] == [("fraud-v3", "1", "READY")]
    with pytest.raises(grpc.RpcError) as refused:
        stub.RepositoryModelUnload(oip.RepositoryModelUnloadRequest(model_name="fraud-v3"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert post(server, "/predict", FRAUD).status_code == 200  # still serving


def test_unload_and_load_over_rest(start_server, fraud_copy):
    server = start_server(fraud_copy, "--model-control", "explicit")
    assert post(server, "/v2/repository/models/fraud-v3/unload",
                {"parameters": {"unload_dependents": False}}).status_code == 200
    answer = post(server, "/predict", FRAUD)
    assert answer.status_code == 404 and "fraud-v3" in answer.json()["error"]
    assert index(server) == [{"name": "fraud-v3", "state": "UNAVAILABLE", "reason": "unloaded"}]
    assert index(server, ready=True) == []
    server.signal(signal.SIGHUP)  # a scan does not bring back what a client unloaded
    time.sleep(0.5)
    assert post(server, "/predict", FRAUD).status_code == 404
    assert post(server, "/v2/repository/models/fraud-v3/unload").status_code == 404

    assert post(server, "/v2/repository/models/fraud-v3/load", {}).status_code == 200
    assert post(server, "/predict", FRAUD).json()["score"] == 0.8551127314567566
    assert index(server, ready=True) == [{"name": "fraud-v3", "version": "1", "state": "READY"}]


def readiness(server, name, version=""):
    """(REST, gRPC) answers of the Open Inference Protocol's model readiness: REST's
    status and body, gRPC's `ready` or its error code."""
    path = "/v2/models/%s%s/ready" % (name, "/versions/" + version if version else "")
    answer = requests.get(server.url + path, timeout=10)
    rest = (answer.status_code, answer.json().get("ready", answer.json().get("error")))
    try:
        grpc_answer = oip_stub(server).ModelReady(oip.ModelReadyRequest(name=name, version=version),
                                                  timeout=10).ready
    except grpc.RpcError as e:
        grpc_answer = e.code()
    return rest, grpc_answer


def test_model_readiness_is_false_for_a_known_model_and_not_found_for_an_unknown_one(
        start_server, fraud_copy):
    """As the Open Inference Protocol (and Triton, MLServer) answer it: a model the
    repository knows but does not serve is `ready: false` (REST 400: the protocol's "4xx
    status code indicates false", Triton's 400), over both protocols alike; only a name
    or version it does not know is NOT_FOUND / 404."""
    (fraud_copy / "broken.json").write_text('{"not": "a model"}')
    server = start_server(fraud_copy, "--model-control", "explicit")
    NOT_READY, READY = ((400, False), False), ((200, True), True)
    assert readiness(server, "fraud-v3") == READY
    assert readiness(server, "fraud-v3", "1") == READY
    assert readiness(server, "broken") == NOT_READY  # its file failed to load
    assert readiness(server, "broken", "1") == NOT_READY
    rest, grpc_code = readiness(server, "no-such-model")
    assert rest == (404, 'unknown model "no-such-model"') and grpc_code == grpc.StatusCode.NOT_FOUND
    rest, grpc_code = readiness(server, "fraud-v3", "2")
    assert rest[0] == 404 and grpc_code == grpc.StatusCode.NOT_FOUND

    assert post(server, "/v2/repository/models/fraud-v3/unload").status_code == 200
    assert readiness(server, "fraud-v3") == NOT_READY
    assert readiness(server, "fraud-v3", "1") == NOT_READY
    rest, grpc_code = readiness(server, "fraud-v3", "2")
    assert rest[0] == 404 and grpc_code == grpc.StatusCode.NOT_FOUND

    # On disk but not loaded yet (explicit mode does not poll): known, not ready.
    shutil.copytree(fraud_copy / "fraud-v3", fraud_copy / "late")
    assert readiness(server, "late") == NOT_READY
    assert post(server, "/v2/repository/models/late/load").status_code == 200
    assert readiness(server, "late") == READY


def test_load_errors_name_the_problem(start_server, fraud_copy):
    server = start_server(fraud_copy, "--model-control", "explicit")
    answer = post(server, "/v2/repository/models/no-such-model/load")
    assert answer.status_code == 404 and "no-such-model" in answer.json()["error"]
    answer = post(server, "/v2/repository/models/fraud-v3/load", {"parameters": {"config": "{}"}})
    assert answer.status_code == 400 and '"config" is not supported' in answer.json()["error"]
    answer = post(server, "/v2/repository/index", {"redy": True})
    assert answer.status_code == 400 and '"redy"' in answer.json()["error"]
    answer = requests.post(server.url + "/v2/repository/models/fraud-v3/load", data="{", timeout=10)
    assert answer.status_code == 400 and "malformed JSON" in answer.json()["error"]

    # A file that fails to load: the load says so, the version loaded before serves on.
    (fraud_copy / "fraud-v3" / "1" / "model.json").write_text("{ not a model")
    answer = post(server, "/v2/repository/models/fraud-v3/load")
    assert answer.status_code == 400 and "failed to load" in answer.json()["error"]
    assert post(server, "/predict", FRAUD).json()["score"] == 0.8551127314567566

    stub = oip_stub(server)
    with pytest.raises(grpc.RpcError) as refused:
        stub.RepositoryModelLoad(oip.RepositoryModelLoadRequest(model_name="nope"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as refused:
        stub.RepositoryModelLoad(oip.RepositoryModelLoadRequest(repository_name="other", model_name="fraud-v3"),
                                 timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_load_swaps_versions_atomically_under_load(start_server, tmp_path):
    """Clients over REST and gRPC score without pause while a client loads version 2,
    then removes version 1 and loads again: no request fails, and every answer carries
    exactly the scores of the version it names."""
    models = tmp_path / "models"
    (models / "m" / "1").mkdir(parents=True)
    shutil.copy(MODEL_V1, models / "m" / "1" / "model.json")
    rows = np.random.default_rng(7).normal(size=(4, 8))
    expected = {}
    for version, path in (("1", MODEL_V1), ("2", MODEL_V2)):
        with polyscore_c.load(str(path)) as model:
            expected[version] = np.asarray(model.predict(rows), dtype=np.float64).ravel()
    assert not same_bits(expected["1"], expected["2"])

    server = start_server(models, "--model-control", "explicit", "--max-concurrent", "1000")
    stop = threading.Event()
    seen, failures = [], []
    body = {"model": "m", "rows": 4, "cols": 8, "float64_values": rows.ravel().tolist()}

    def rest_client():
        with requests.Session() as session:
            while not stop.is_set():
                answer = session.post(server.url + "/v1/predict", json=body, timeout=30)
                if answer.status_code != 200:
                    failures.append(answer.text)
                    continue
                got = answer.json()
                seen.append((got["version"], same_bits(np.array(got["values"]), expected[got["version"]])))

    def grpc_client():
        with channel_to(server) as channel:
            stub = scoring_pb2_grpc.ScoringServiceStub(channel)
            request = scoring_pb2.PredictRequest(model="m", rows=4, cols=8, float64_values=rows.ravel().tolist())
            while not stop.is_set():
                try:
                    reply = stub.Predict(request, timeout=30)
                except grpc.RpcError as e:
                    failures.append(e.details())
                    continue
                seen.append((reply.version, same_bits(np.array(reply.values), expected[reply.version])))

    threads = [threading.Thread(target=rest_client) for _ in range(3)]
    threads += [threading.Thread(target=grpc_client) for _ in range(2)]
    for thread in threads:
        thread.start()
    # Each step waits for answers, not for a time: on a loaded machine the clients may
    # answer nothing in half a second (then "1" or 10 answers of "2" were never seen).
    def answered(version, more_than):
        return sum(1 for v, _ in list(seen) if v == version) > more_than

    try:
        wait_until(lambda: answered("1", 10) or failures, "answers from version 1")
        (models / "m" / "2").mkdir()
        shutil.copy(MODEL_V2, models / "m" / "2" / "model.tmp")
        os.replace(models / "m" / "2" / "model.tmp", models / "m" / "2" / "model.txt")
        assert post(server, "/v2/repository/models/m/load").status_code == 200
        wait_until(lambda: answered("2", 10) or failures, "answers from version 2")
        shutil.rmtree(models / "m" / "1")
        reply = oip_stub(server).RepositoryModelLoad(oip.RepositoryModelLoadRequest(model_name="m"), timeout=10)
        assert reply is not None
        after_second_load = len(seen)
        wait_until(lambda: len(seen) > after_second_load + 20 or failures, "answers after the second load")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    versions = [version for version, _ in seen]
    assert all(ok for _, ok in seen), "an answer did not match the version it names"
    assert "1" in versions and "2" in versions and versions.count("2") > 10
    assert index(server) == [{"name": "m", "version": "2", "state": "READY"}]
