"""Operations: metrics, readiness, hot reload under load, overload, SIGTERM drain."""
import os
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import grpc
import numpy as np
import requests

from conftest import channel_to
from serve_util import EXAMPLE_MODELS, FRAUD_MODEL, SERVER, fraud_pb2, fraud_pb2_grpc, scoring_pb2, scoring_pb2_grpc

GOOD = {"features": [0.4, 1.2], "model": "fraud-v3"}
SCORE = 0.8551127314567566


def metric(text, name, **labels):
    """The value of one sample in Prometheus text, or None."""
    wanted = ",".join('%s="%s"' % kv for kv in labels.items())
    for line in text.splitlines():
        match = re.match(r'^%s(\{(.*)\})? (\S+)$' % re.escape(name), line)
        if match and (match.group(2) or "") == wanted:
            return float(match.group(3))
    return None


def wait_for(condition, timeout=60):
    """Polls condition until it holds or timeout seconds pass. The deadline is generous:
    it only costs time when the test fails, and a loaded machine can take several
    seconds for a reload or for a client thread's first hundred requests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def replace_file(path, data):
    """Writes a file the way a deploy should: a temporary file renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_metrics_count_requests_by_endpoint_model_and_status(start_server):
    server = start_server()
    for _ in range(7):
        requests.post(server.url + "/predict", json=GOOD, timeout=10)
    for _ in range(3):
        requests.post(server.url + "/predict", json={"features": [1], "model": "fraud-v3"}, timeout=10)
    requests.post(server.url + "/predict", json={"features": [1, 2], "model": "no-such-model"}, timeout=10)
    with channel_to(server) as channel:
        fraud_pb2_grpc.FraudScorerStub(channel).Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3"))
    answer = requests.get(server.url + "/metrics", timeout=10)
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert metric(text, "polyscore_requests_total", endpoint="http_predict", model="fraud-v3", status="200") == 7
    assert metric(text, "polyscore_requests_total", endpoint="http_predict", model="fraud-v3", status="400") == 3
    # An unknown model name gets no label of its own.
    assert metric(text, "polyscore_requests_total", endpoint="http_predict", model="", status="404") == 1
    assert metric(text, "polyscore_requests_total", endpoint="grpc_fraud_predict", model="fraud-v3", status="OK") == 1
    assert metric(text, "polyscore_request_duration_seconds_count", endpoint="http_predict") == 11
    assert metric(text, "polyscore_request_duration_seconds_bucket", endpoint="http_predict", le="+Inf") == 11
    assert metric(text, "polyscore_scoring_duration_seconds_count", endpoint="http_predict") == 7
    # Queue time (arrival to the scoring call), apart from scoring: every request that
    # reached the scoring call (7 scored, 3 refused there for their shape), not the
    # unknown model; never more than the whole request's time.
    assert metric(text, "polyscore_queue_duration_seconds_count", endpoint="http_predict") == 10
    assert metric(text, "polyscore_queue_duration_seconds_count", endpoint="grpc_fraud_predict") == 1
    queue_sum = metric(text, "polyscore_queue_duration_seconds_sum", endpoint="http_predict")
    assert 0 < queue_sum < metric(text, "polyscore_request_duration_seconds_sum", endpoint="http_predict")
    assert metric(text, "polyscore_model_versions_loaded", model="fraud-v3") == 1
    assert metric(text, "polyscore_model_load_error", model="fraud-v3") == 0


def test_health_and_metadata(start_server):
    server = start_server()
    assert requests.get(server.url + "/v2/health/live", timeout=10).json() == {"live": True}
    assert requests.get(server.url + "/v2/health/ready", timeout=10).json() == {"ready": True}
    assert requests.get(server.url + "/v2/models/fraud-v3/ready", timeout=10).json() == {"ready": True}
    assert requests.get(server.url + "/v2/models/fraud-v3/versions/1/ready", timeout=10).status_code == 200
    assert requests.get(server.url + "/v2/models/fraud-v3/versions/2/ready", timeout=10).status_code == 404
    meta = requests.get(server.url + "/v2/models/fraud-v3", timeout=10).json()
    assert meta["versions"] == ["1"] and meta["inputs"][0]["shape"] == [-1, 2]
    v1 = requests.get(server.url + "/v1/models/fraud-v3", timeout=10).json()
    assert v1["feature_names"] == ["amount_zscore", "velocity"]
    assert v1["objective"] == "binary:logistic" and v1["labels"] == ["legit", "fraud"]


class Load:
    """Threads sending fraud requests over REST (keep-alive) and gRPC until stopped."""

    def __init__(self, server, threads=2):
        self.server, self.stop_flag = server, threading.Event()
        self.ok, self.failures, self.versions = 0, [], set()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.rest) for _ in range(threads)]
        self.threads += [threading.Thread(target=self.grpc) for _ in range(threads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join()

    def record(self, score, version, failure=None):
        with self.lock:
            if failure is None and score == SCORE:
                self.ok += 1
                self.versions.add(version)
            else:
                self.failures.append(failure or ("wrong score", score))

    def rest(self):
        with requests.Session() as session:
            while not self.stop_flag.is_set():
                try:
                    answer = session.post(self.server.url + "/predict", json=GOOD, timeout=10)
                    body = answer.json()
                    self.record(body.get("score"), body.get("model_version"),
                                None if answer.status_code == 200 else body)
                except Exception as e:  # noqa: BLE001 - every failure counts
                    self.record(None, None, repr(e))

    def grpc(self):
        with channel_to(self.server) as channel:
            stub = fraud_pb2_grpc.FraudScorerStub(channel)
            while not self.stop_flag.is_set():
                try:
                    reply = stub.Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3"), timeout=10)
                    self.record(reply.score, reply.model_version)
                except grpc.RpcError as e:
                    self.record(None, None, (e.code(), e.details()))

    def count(self):
        with self.lock:
            return self.ok


def test_hot_reload_under_load_fails_no_request(start_server, fraud_copy):
    server = start_server(fraud_copy, "--poll-seconds", "1")
    model_bytes = FRAUD_MODEL.read_bytes()
    with Load(server) as load:
        assert wait_for(lambda: load.count() > 200)

        # A new version on SIGHUP: requests move to it.
        (fraud_copy / "fraud-v3" / "2").mkdir()
        replace_file(fraud_copy / "fraud-v3" / "2" / "model.json", model_bytes)
        server.signal(signal.SIGHUP)
        assert wait_for(lambda: "2" in load.versions)

        # A broken file: the load fails, version 2 keeps serving, and it shows.
        replace_file(fraud_copy / "fraud-v3" / "2" / "model.json", b'{"learner": ')
        server.signal(signal.SIGHUP)
        assert wait_for(lambda: any(e.get("msg") == "model load failed; the previous version keeps serving"
                                    for e in server.log_entries()))
        text = requests.get(server.url + "/metrics", timeout=10).text
        assert metric(text, "polyscore_model_load_error", model="fraud-v3") == 1
        assert metric(text, "polyscore_model_load_failures_total") >= 1
        listed = requests.get(server.url + "/v1/models", timeout=10).json()["models"][0]
        assert listed["versions"] == ["1", "2"] and "PS_ERR_PARSE" in listed["last_error"]

        # Fixed, and a third version, found by the poll without a signal.
        replace_file(fraud_copy / "fraud-v3" / "2" / "model.json", model_bytes)
        (fraud_copy / "fraud-v3" / "3").mkdir()
        replace_file(fraud_copy / "fraud-v3" / "3" / "model.json", model_bytes)
        assert wait_for(lambda: "3" in load.versions)
        assert metric(requests.get(server.url + "/metrics", timeout=10).text,
                      "polyscore_model_load_error", model="fraud-v3") == 0

        # Removing the newest version sends requests back to version 2.
        before = load.count()
        shutil.rmtree(fraud_copy / "fraud-v3" / "3")
        server.signal(signal.SIGHUP)
        assert wait_for(lambda: requests.post(server.url + "/predict", json=GOOD, timeout=10)
                        .json()["model_version"] == "2")
        # The load goes on until it has made its 1000 requests: how many fit in the steps
        # above depends on the machine's speed (a loaded one made a few hundred).
        assert wait_for(lambda: load.count() > max(before + 200, 1000), timeout=120)
    assert load.failures == []
    assert load.versions == {"1", "2", "3"}
    assert load.ok > 1000


def test_a_model_that_never_loaded_is_not_ready(start_server, fraud_copy):
    (fraud_copy / "broken.json").write_text('{"not": "a model"}')
    server = start_server(fraud_copy)
    assert requests.get(server.url + "/v2/models/broken/ready", timeout=10).status_code == 400
    answer = requests.get(server.url + "/v2/health/ready", timeout=10)
    assert answer.status_code == 400 and answer.json()["ready"] is False
    assert answer.json()["error"].startswith('model "broken" has no version serving')
    answer = requests.post(server.url + "/predict", json={"features": [1, 2], "model": "broken"}, timeout=10)
    assert answer.status_code == 503 and "failed to load" in answer.json()["error"]
    assert requests.post(server.url + "/predict", json=GOOD, timeout=10).json()["score"] == SCORE
    os.remove(fraud_copy / "broken.json")
    server.signal(signal.SIGHUP)
    assert wait_for(lambda: requests.get(server.url + "/v2/health/ready", timeout=10).status_code == 200)


def big_batch(rows):
    rng = np.random.default_rng(7)
    return scoring_pb2.PredictRequest(model="fraud-v3", rows=rows, cols=2,
                                      float64_values=rng.normal(size=rows * 2).tolist())


def test_overload_is_refused_not_queued(start_server):
    server = start_server(None, "--max-concurrent", "1")
    request = big_batch(50000)
    with channel_to(server) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        futures = [stub.Predict.future(request, timeout=60) for _ in range(12)]
        codes = []
        for f in futures:
            try:
                f.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as e:
                codes.append(e.code())
                assert "too many requests in flight (--max-concurrent 1)" in e.details()
    assert set(codes) == {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}, codes
    text = requests.get(server.url + "/metrics", timeout=10).text
    # Refused before the request is read, so under no model.
    assert metric(text, "polyscore_requests_total", endpoint="grpc_v1_predict", model="",
                  status="RESOURCE_EXHAUSTED") == codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED)


def read_response(sock, buffered):
    """One HTTP response from a socket (Content-Length framed), after `buffered` bytes
    already read; returns (status, JSON body, bytes read past it)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(head.split()[1]), json.loads(rest[:length]), rest[length:]


def test_large_bodies_pipelined_and_chunked_are_read_whole(start_server):
    """Bodies of several reads each (the server reads up to 64 KiB at a time): with
    Content-Length, chunked in pieces of odd sizes, and pipelined behind each other on
    one connection; each answer equals the gRPC answer for the same rows, bit for bit."""
    server = start_server()
    rows = 20000
    request = big_batch(rows)
    with channel_to(server) as channel:
        expected = scoring_pb2_grpc.ScoringServiceStub(channel).Predict(request, timeout=60).values
    x = list(request.float64_values)
    halves = [x[: rows], x[rows:]]  # the first and the second half of the rows (2 columns)
    bodies = [json.dumps({"model": "fraud-v3", "rows": len(h) // 2, "cols": 2, "float64_values": h}).encode()
              for h in [x] + halves]
    assert min(len(b) for b in bodies) > 3 * 65536
    stream = b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(bodies[0]), bodies[0])
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(bodies[1][i:i + 7001]), bodies[1][i:i + 7001])
                       for i in range(0, len(bodies[1]), 7001))
    stream += b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n%s0\r\n\r\n" % chunked
    stream += b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(bodies[2]), bodies[2])
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=30) as sock:
        sock.sendall(stream)  # all three at once: each body's reads find the next request behind it
        left = b""
        answers = []
        for _ in range(3):
            status, answer, left = read_response(sock, left)
            assert status == 200, answer
            answers.append(answer["values"])
    assert left == b""
    half = len(expected) // 2
    for got, want in zip(answers, [expected, expected[:half], expected[half:]]):
        assert len(got) == len(want) and np.array_equal(np.array(got).view(np.uint64), np.array(want).view(np.uint64))


def test_sigterm_drains_requests_in_flight(start_server):
    server = start_server(None, "--max-rows", "400000")
    request = big_batch(300000)  # about 150 ms of scoring each
    with channel_to(server) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        expected = stub.Predict(request, timeout=60).values
        futures = [stub.Predict.future(request, timeout=60) for _ in range(16)]
        # Signal while handlers run (the gauge counts calls being scored).
        assert wait_for(lambda: metric(requests.get(server.url + "/metrics", timeout=10).text,
                                       "polyscore_requests_in_flight") >= 2)
        server.signal(signal.SIGTERM)
        answered, refused = 0, 0
        for f in futures:
            try:
                assert f.result().values == expected
                answered += 1
            except grpc.RpcError as e:
                # Only a call still on its way in (its bytes not all received) may be refused.
                assert e.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE), e
                refused += 1
        assert server.proc.wait(timeout=30) == 0
        # New requests are refused once draining has begun.
        try:
            stub.Predict(big_batch(1), timeout=5)
            raise AssertionError("a request was served after the drain")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAVAILABLE
    log = server.log_entries()
    draining = [e for e in log if e["msg"] == "draining"]
    # Every request being served when the signal came was answered.
    assert draining and draining[0]["in_flight"] <= answered, (draining, answered, refused)
    assert [e["msg"] for e in log if e["msg"] in ("draining", "stopped")] == ["draining", "stopped"]
    assert not any(e["level"] == "warn" for e in log)


def raw_request(sock, text):
    """Sends one HTTP request on a connected socket; returns (status, JSON body)."""
    sock.sendall(text.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), json.loads(body)


def test_a_draining_server_is_not_ready(start_server):
    """While SIGTERM drains, the health answers of the Open Inference Protocol say false:
    400 ("a 4xx status code indicates false"), with the reason, for the server and for
    each model; ModelReady agrees."""
    server = start_server(None, "--drain-seconds", "30")
    address = ("127.0.0.1", server.http_port)
    # A request whose body has not come yet keeps the server draining; connections opened
    # before the signal can still ask (the acceptor closes at once).
    slow, health, model = (socket.create_connection(address, timeout=10) for _ in range(3))
    assert raw_request(health, "GET /v2/health/ready HTTP/1.1\r\nHost: t\r\n\r\n") == (200, {"ready": True})
    body = json.dumps(GOOD)
    # "100 Continue" comes once the server has read the header and counts the request.
    slow.sendall(("POST /predict HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                  % len(body)).encode())
    continued = b""
    while b"\r\n\r\n" not in continued:
        continued += slow.recv(65536)
    assert continued.startswith(b"HTTP/1.1 100 Continue"), continued
    server.signal(signal.SIGTERM)
    assert wait_for(lambda: any(e["msg"] == "draining" for e in server.log_entries()))
    shutting_down = {"ready": False, "error": "server is shutting down"}
    assert raw_request(health, "GET /v2/health/ready HTTP/1.1\r\nHost: t\r\n\r\n") == (400, shutting_down)
    assert raw_request(model, "GET /v2/models/fraud-v3/ready HTTP/1.1\r\nHost: t\r\n\r\n") == (400, shutting_down)
    # The request under way is still answered, then the server stops.
    status, answer = raw_request(slow, body)
    assert status == 200 and answer["score"] == SCORE
    assert server.proc.wait(timeout=30) == 0
    for sock in (slow, health, model):
        sock.close()


def test_sigterm_drain_has_a_deadline(start_server):
    server = start_server(None, "--max-rows", "4000000", "--max-body-bytes", "100000000",
                          "--drain-seconds", "0")
    options = [("grpc.max_receive_message_length", 100000000), ("grpc.max_send_message_length", 100000000)]
    with grpc.insecure_channel(server.grpc_target, options=options) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        futures = [stub.Predict.future(big_batch(2000000), timeout=60) for _ in range(4)]
        assert wait_for(lambda: metric(requests.get(server.url + "/metrics", timeout=10).text,
                                       "polyscore_requests_in_flight") > 0)
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        assert server.proc.wait(timeout=30) == 0
        # Scoring already under way cannot be interrupted, so the exit waits for the
        # batches on the threads, not for the queue: well under the 4 batches' time.
        assert time.monotonic() - started < 10
        for f in futures:
            try:
                f.result()
            except grpc.RpcError as e:
                assert e.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)


def test_fraud_predict_on_several_completion_queue_threads(start_server):
    server = start_server(None, "--grpc-fraud-threads", "3")
    results, errors = [], []

    def client():
        try:
            with channel_to(server) as channel:
                stub = fraud_pb2_grpc.FraudScorerStub(channel)
                for _ in range(50):
                    results.append(stub.Predict(fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3")).score)
        except grpc.RpcError as e:
            errors.append(e)
    clients = [threading.Thread(target=client) for _ in range(4)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert not errors and results == [SCORE] * 200


def test_grpc_fraud_threads_must_be_a_whole_number(tmp_path):
    answer = subprocess.run([str(SERVER), "--models", str(EXAMPLE_MODELS), "--grpc-fraud-threads", "0"],
                            capture_output=True, text=True, timeout=30)
    assert answer.returncode == 2
    assert "--grpc-fraud-threads wants a whole number from 1 to 256, got 0" in answer.stderr
