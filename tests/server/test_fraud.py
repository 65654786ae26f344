"""The fraud request of the README, verbatim, over REST and gRPC, through `polyscore serve`."""
import grpc
import pytest
import requests

from conftest import channel_to
from serve_util import CLI, EXAMPLE_MODELS, FRAUD_MODEL, fraud_pb2, fraud_pb2_grpc, polyscore_c

FRAUD_BODY = '{"features":[0.4,1.2],"model":"fraud-v3"}'


def c_score(row):
    with polyscore_c.load(str(FRAUD_MODEL)) as model:
        return float(model.predict_row(row)[0])


def test_rest_fraud_request_verbatim(fraud_server):
    answer = requests.post(fraud_server.url + "/predict", data=FRAUD_BODY,
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"score": 0.8551127314567566, "label": "fraud", "model_version": "1"}
    assert answer.json()["score"] == c_score([0.4, 1.2])


def test_rest_label_follows_the_threshold(fraud_server):
    legit = [-1.0, -1.0]
    answer = requests.post(fraud_server.url + "/predict", json={"features": legit, "model": "fraud-v3"}, timeout=10)
    assert answer.json()["score"] == c_score(legit) < 0.5
    assert answer.json()["label"] == "legit"


def test_grpc_fraud_scorer(fraud_server):
    with channel_to(fraud_server) as channel:
        reply = fraud_pb2_grpc.FraudScorerStub(channel).Predict(
            fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3"), timeout=10)
    assert reply.score == 0.8551127314567566 == c_score([0.4, 1.2])
    assert (reply.label, reply.model_version) == ("fraud", "1")


def test_polyscore_serve_subcommand_runs_the_server(start_server, tmp_path):
    socket_path = tmp_path / "serve.sock"
    server = start_server(EXAMPLE_MODELS, command=[str(CLI), "serve"], grpc_unix=socket_path)
    answer = requests.post(server.url + "/predict", data=FRAUD_BODY, timeout=10)
    assert answer.json()["score"] == 0.8551127314567566
    with grpc.insecure_channel("unix:" + str(socket_path)) as channel:
        reply = fraud_pb2_grpc.FraudScorerStub(channel).Predict(
            fraud_pb2.PredictRequest(features=[0.4, 1.2], model="fraud-v3"), timeout=10)
    assert reply.score == 0.8551127314567566


def test_a_model_of_several_scores_per_row_is_refused(vectors_server):
    """/predict and FraudScorer answer one score per row: a multiclass model (3 values per
    row) is refused on both, naming the model, its values per row and what to use."""
    row = {"features": [0.5] * 5, "model": "lgb3_multiclass"}
    answer = requests.post(vectors_server.url + "/predict", json=row, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"].endswith('model "lgb3_multiclass" gives 3 values per row; '
                                           "/predict answers models with one score (use /v1/predict)")
    with channel_to(vectors_server) as channel, pytest.raises(grpc.RpcError) as refused:
        fraud_pb2_grpc.FraudScorerStub(channel).Predict(fraud_pb2.PredictRequest(**row), timeout=10)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details().endswith('model "lgb3_multiclass" gives 3 values per row; '
                                            "FraudScorer answers models with one score")
