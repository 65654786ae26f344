"""pytest fixtures for the server tests (helpers in serve_util.py)."""
import shutil

import grpc
import pytest
import requests

from serve_util import EXAMPLE_MODELS, SERVER, Server, scoring_pb2, scoring_pb2_grpc, vector_repository


@pytest.fixture(scope="session", autouse=True)
def server_built():
    if not SERVER.exists():
        pytest.fail("no server at %s (build with -DPOLYSCORE_SERVER=ON)" % SERVER)


@pytest.fixture
def start_server(tmp_path):
    """start_server(models_dir, *args) -> a running Server, stopped (and checked) after the test."""
    servers = []

    def start(models_dir=EXAMPLE_MODELS, *args, **kwargs):
        models_dir = models_dir or EXAMPLE_MODELS
        server = Server(models_dir, tmp_path, *args, **kwargs)
        servers.append(server)
        return server
    yield start
    for server in servers:
        if server.proc.poll() is None:
            assert server.stop() == 0, server.log_text()


@pytest.fixture(scope="module")
def fraud_server(tmp_path_factory):
    """One server over examples/models, shared by a module's read-only tests."""
    server = Server(EXAMPLE_MODELS, tmp_path_factory.mktemp("fraud"))
    yield server
    assert server.stop() == 0, server.log_text()


@pytest.fixture(scope="module")
def vectors_server(tmp_path_factory):
    models = vector_repository(tmp_path_factory.mktemp("models"))
    server = Server(models, tmp_path_factory.mktemp("log"), "--max-rows", "1000")
    yield server
    assert server.stop() == 0, server.log_text()


@pytest.fixture(scope="module")
def stubs(vectors_server):
    """polyscore.v1's and the Open Inference Protocol's gRPC stubs on vectors_server."""
    # Imported here, not at the top: test_triton_client.py runs in a pytest session of its
    # own beside tritonclient, whose copy of the same protocol may not share protobuf's
    # descriptor pool with ours ("duplicate symbol 'inference.ServerLiveRequest'").
    from wire.inference import grpc_predict_v2_pb2_grpc  # generated; serve_util puts it on the path
    channel = channel_to(vectors_server)
    yield scoring_pb2_grpc.ScoringServiceStub(channel), grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


@pytest.fixture
def fraud_copy(tmp_path):
    """A writable copy of examples/models."""
    target = tmp_path / "models"
    shutil.copytree(EXAMPLE_MODELS, target)
    return target


def channel_to(server):
    return grpc.insecure_channel(server.grpc_target)


def metadata(server, model):
    """A model's metadata: (GetModelMetadataResponse over gRPC, GET /v1/models/NAME's JSON)."""
    with channel_to(server) as channel:
        grpc_answer = scoring_pb2_grpc.ScoringServiceStub(channel).GetModelMetadata(
            scoring_pb2.GetModelMetadataRequest(model=model), timeout=10)
    rest = requests.get(server.url + "/v1/models/" + model, timeout=10)
    assert rest.status_code == 200, rest.text
    return grpc_answer, rest.json()
