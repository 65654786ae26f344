"""Texts a model file holds are not always UTF-8 (a LightGBM file written from a Latin-1
DataFrame, say), but JSON and proto3 strings must be: one invalid byte makes a client
refuse the whole answer. The server sends each such byte as U+FFFD
(src/feature_columns/valid_utf8.h), in metadata and in the messages that name features."""
import grpc
import pytest
import requests

from conftest import channel_to
from serve_util import VECTORS, scoring_pb2, scoring_pb2_grpc

LATIN1_NAME = b"caf\xe9"  # "cafe" with an acute e in Latin-1: not UTF-8
SHOWN = "caf\ufffd"


@pytest.fixture
def latin1_model(tmp_path):
    text = (VECTORS / "models" / "lgb4_binary.txt").read_bytes()
    assert b"feature_names=Column_0 " in text
    version = tmp_path / "models" / "latin1" / "1"
    version.mkdir(parents=True)
    (version / "model.txt").write_bytes(text.replace(b"feature_names=Column_0 ", b"feature_names=" + LATIN1_NAME + b" ", 1))
    return tmp_path / "models"


def strict_json(answer):
    """The body as JSON, refusing anything that is not UTF-8 (as Go, Java and simdjson do)."""
    import json
    return json.loads(answer.content.decode("utf-8", errors="strict"))


def test_rest_metadata_is_utf8(start_server, latin1_model):
    server = start_server(latin1_model)
    answer = requests.get(server.url + "/v1/models/latin1", timeout=10)
    assert answer.status_code == 200
    assert strict_json(answer)["feature_names"][:2] == [SHOWN, "Column_1"]


def test_grpc_metadata_is_utf8(start_server, latin1_model):
    server = start_server(latin1_model)
    with channel_to(server) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        answer = stub.GetModelMetadata(scoring_pb2.GetModelMetadataRequest(model="latin1"), timeout=10)
    assert list(answer.feature_names[:2]) == [SHOWN, "Column_1"]


def test_messages_naming_the_feature_are_utf8(start_server, latin1_model):
    server = start_server(latin1_model)
    row = {"Column_%d" % i: 0.5 for i in range(1, 5)}  # the Latin-1 one missing
    answer = requests.post(server.url + "/v1/predict", json={"model": "latin1", "named_rows": [{"features": row}]}, timeout=10)
    assert answer.status_code == 400
    assert '"%s"' % SHOWN in strict_json(answer)["error"]
    with channel_to(server) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = scoring_pb2.PredictRequest(model="latin1", named_rows=[scoring_pb2.NamedRow(features=row)])
        with pytest.raises(grpc.RpcError) as error:
            stub.Predict(request, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert '"%s"' % SHOWN in error.value.details()
