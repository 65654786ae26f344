"""Several polyscore-serve backends behind nginx (deploy/nginx/run.sh): requests are
spread over the backends, and a backend killed under load loses no request, because
nginx retries it on the next backend (proxy_next_upstream / grpc_next_upstream).

nginx streams gRPC request bodies to the backend unbuffered, so it cannot retry a gRPC
call already sent to the backend that died (it answers 502, UNAVAILABLE to the client);
it retries those not yet sent. The gRPC client therefore carries the usual retry policy
on UNAVAILABLE, as production clients do. REST bodies are buffered, and nginx retries
every REST request itself: the REST client has no retry at all."""
import json
import os
import signal
import subprocess
import threading
import time

import grpc
import pytest
import requests

from serve_util import EXAMPLE_MODELS, ROOT, fraud_pb2, fraud_pb2_grpc
from test_operations import GOOD, SCORE, metric

RUN = ROOT / "deploy" / "nginx" / "run.sh"


class Balanced:
    """deploy/nginx/run.sh running: nginx in front of `backends` polyscore-serve processes."""

    def __init__(self, tmp_path, backends):
        state = tmp_path / "state"
        self.log = open(tmp_path / "run.log", "w")
        self.proc = subprocess.Popen(["bash", str(RUN), "--models", str(EXAMPLE_MODELS), "--backends",
                                      str(backends), "--state", str(state)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not state.exists():
            assert self.proc.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "run.sh did not get ready"
            time.sleep(0.05)
        values = dict(line.split("=", 1) for line in state.read_text().split())
        self.rest = "http://127.0.0.1:%s" % values["nginx_http"]
        self.grpc_target = "127.0.0.1:%s" % values["nginx_grpc"]
        self.backends = [{"pid": int(values["backend_%d_pid" % i]),
                          "metrics": "http://127.0.0.1:%s/metrics" % values["backend_%d_http" % i]}
                         for i in range(1, backends + 1)]

    def served(self, backend, endpoint, status):
        text = requests.get(backend["metrics"], timeout=10).text
        return metric(text, "polyscore_requests_total", endpoint=endpoint, model="fraud-v3", status=status) or 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=30) == 0


@pytest.fixture
def balanced(tmp_path):
    started = []

    def start(backends):
        started.append(Balanced(tmp_path, backends))
        return started[-1]
    yield start
    for b in started:
        b.stop()


# Retry a call that failed with UNAVAILABLE (nginx's 502 for a call in flight on the
# killed backend) on a fresh attempt; gRPC's built-in retry support does it.
RETRY_UNAVAILABLE = json.dumps({"methodConfig": [{
    "name": [{"service": "fraud.v1.FraudScorer"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]})


def predict_both_ways(b, stub, session):
    answer = session.post(b.rest + "/predict", json=GOOD, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["score"] == SCORE
    reply = stub.Predict(fraud_pb2.PredictRequest(features=GOOD["features"], model="fraud-v3"), timeout=10)
    assert reply.score == SCORE


def test_requests_are_spread_over_the_backends(balanced):
    b = balanced(3)
    with grpc.insecure_channel(b.grpc_target) as channel, requests.Session() as session:
        stub = fraud_pb2_grpc.FraudScorerStub(channel)
        for _ in range(30):
            predict_both_ways(b, stub, session)
    rest = [b.served(backend, "http_predict", "200") for backend in b.backends]
    grpc_counts = [b.served(backend, "grpc_fraud_predict", "OK") for backend in b.backends]
    assert sum(rest) == 30 and sum(grpc_counts) == 30, (rest, grpc_counts)
    # Round-robin: every backend takes its share.
    assert min(rest) >= 5 and min(grpc_counts) >= 5, (rest, grpc_counts)


def test_a_backend_killed_under_load_loses_no_request(balanced):
    b = balanced(3)
    failures, done = [], []
    stop = threading.Event()

    def client():
        try:
            options = [("grpc.service_config", RETRY_UNAVAILABLE), ("grpc.enable_retries", 1)]
            with grpc.insecure_channel(b.grpc_target, options=options) as channel, \
                    requests.Session() as session:
                stub = fraud_pb2_grpc.FraudScorerStub(channel)
                for _ in range(400):  # bounded: at most 800 requests per client
                    if stop.is_set():
                        break
                    predict_both_ways(b, stub, session)
                    done.append(1)
        except Exception as e:  # noqa: BLE001 - every failure is the test's finding
            failures.append(repr(e))

    clients = [threading.Thread(target=client) for _ in range(3)]
    for c in clients:
        c.start()
    while len(done) < 60 and not failures:
        time.sleep(0.01)
    victim = b.backends[0]
    before = b.served(victim, "http_predict", "200")
    os.kill(victim["pid"], signal.SIGKILL)
    killed_at = len(done)
    while len(done) < killed_at + 150 and not failures and any(c.is_alive() for c in clients):
        time.sleep(0.01)
    stop.set()
    for c in clients:
        c.join(timeout=60)
    assert not failures, failures[:3]
    assert before > 0  # the victim was serving when it was killed
    assert len(done) >= killed_at + 150
    # The survivors answered everything after the kill.
    survivors = sum(b.served(backend, "http_predict", "200") for backend in b.backends[1:])
    assert survivors >= 150
