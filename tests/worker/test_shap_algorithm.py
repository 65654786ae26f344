"""PredictRequest.shap_algorithm through the worker (request-reply and the queue): the
SHAP arithmetic of contributions and interaction values, as the server reads it.

The xgb34_ vectors are XGBoost 3.4.1's QuadratureTreeSHAP: the default and QUADRATURE
give them bit for bit; TREESHAP gives XGBoost 3.2.0's explanation of the same file
(tests/vectors/shap_algorithms), which differs in rounding. The xgb3_ vectors (XGBoost
3.2.0) are exact TreeSHAP: the default and TREESHAP give them; QUADRATURE gives XGBoost
3.4.1's explanation of that file. An unknown number is INVALID_REQUEST naming it; QUADRATURE on a
LightGBM model is INVALID_REQUEST with the library's reason (PS_ERR_UNSUPPORTED), as other
outputs a model cannot give. A model's config.json "shap_algorithm" is the default of a
request that leaves the field UNSPECIFIED; AUTO (or any explicit algorithm) wins; a config
the model cannot follow keeps the worker from starting, with the reason.
"""
import csv
import json
import shutil
import struct
import subprocess

import nats
import pytest

from harness import (BUILD, DEAD_LETTER_STREAM, ROOT, RPC, predict_request, publish_requests, results_by_id, run,
                     stream_count, wait_until_drained)
from polyscore.v1 import queue_pb2, scoring_pb2

VECTORS = ROOT / "tests" / "vectors"
CASES = {c["name"]: c for c in json.loads((VECTORS / "manifest.json").read_text())["cases"]}
MODELS = {name: VECTORS / CASES[name]["model"] for name in
          ("xgb34_binary_logistic", "xgb3_binary_logistic", "lgb4_binary")}
CROSS = {c["name"]: c for c in json.loads((VECTORS / "shap_algorithms" / "manifest.json").read_text())["cases"]}
ROWS = 8
KIND = {"contrib": scoring_pb2.OUTPUT_KIND_CONTRIB, "interactions": scoring_pb2.OUTPUT_KIND_INTERACTIONS}
UNSPECIFIED, AUTO, TREESHAP, QUADRATURE = (scoring_pb2.SHAP_ALGORITHM_UNSPECIFIED, scoring_pb2.SHAP_ALGORITHM_AUTO,
                                           scoring_pb2.SHAP_ALGORITHM_TREESHAP, scoring_pb2.SHAP_ALGORITHM_QUADRATURE)


def read_csv(path):
    with open(path) as f:
        return [[float(v) for v in row] for row in csv.reader(f) if row]


def bits(values):
    return [struct.pack("<d", v) for v in values]


def rows_of(name):
    return read_csv(VECTORS / CASES[name]["input"])[:ROWS]


def vector(name, output):
    case = CASES[name]
    spec = case["interactions"] if output == "interactions" else case["outputs"][output]
    return [v for row in read_csv(VECTORS / spec["file"])[:ROWS] for v in row]


def cross_vector(name, output):
    """The other XGBoost's explanation of a case's file (tests/vectors/shap_algorithms)."""
    spec = CROSS[name][output]
    return [v for row in read_csv(VECTORS / "shap_algorithms" / spec["file"])[:ROWS] for v in row]


async def ask(broker, data):
    nc = await nats.connect(broker.url)
    try:
        reply = await nc.request(RPC, data, timeout=30)
        return queue_pb2.QueueResult.FromString(reply.data)
    finally:
        await nc.close()


def score(broker, name, output, algorithm, model=None):
    """Scores the first ROWS rows of case `name` with `model` (default the case's own)."""
    result = run(ask(broker, predict_request("s", model or name, rows_of(name), output=KIND[output],
                                             shap_algorithm=algorithm).SerializeToString()))
    assert not result.HasField("error"), result.error.message
    return list(result.response.values)


def test_request_reply_honours_the_algorithm(broker, make_worker):
    make_worker(models=MODELS)
    for output in ("contrib", "interactions"):
        expected = vector("xgb34_binary_logistic", output)  # XGBoost 3.4.1: QuadratureTreeSHAP
        assert bits(score(broker, "xgb34_binary_logistic", output, UNSPECIFIED)) == bits(expected), output
        assert bits(score(broker, "xgb34_binary_logistic", output, AUTO)) == bits(expected), output
        assert bits(score(broker, "xgb34_binary_logistic", output, QUADRATURE)) == bits(expected), output
        cross = cross_vector("xgb34_binary_logistic.treeshap", output)  # xgboost 3.2.0's TreeSHAP
        assert bits(cross) != bits(expected)
        assert bits(score(broker, "xgb34_binary_logistic", output, TREESHAP)) == bits(cross), output

        expected = vector("xgb3_binary_logistic", output)  # XGBoost 3.2.0: exact TreeSHAP
        assert bits(score(broker, "xgb3_binary_logistic", output, UNSPECIFIED)) == bits(expected), output
        assert bits(score(broker, "xgb3_binary_logistic", output, AUTO)) == bits(expected), output
        assert bits(score(broker, "xgb3_binary_logistic", output, TREESHAP)) == bits(expected), output
        cross = cross_vector("xgb3_binary_logistic.quadrature", output)  # xgboost 3.4.1's quadrature
        assert bits(cross) != bits(expected)
        assert bits(score(broker, "xgb3_binary_logistic", output, QUADRATURE)) == bits(cross), output


def test_queued_requests_honour_the_algorithm(broker, make_worker):
    make_worker(models=MODELS)
    rows = rows_of("xgb34_binary_logistic")
    messages = [(f"q-{algorithm}", predict_request(f"q-{algorithm}", "xgb34_binary_logistic", rows,
                                                   output=scoring_pb2.OUTPUT_KIND_CONTRIB,
                                                   shap_algorithm=algorithm).SerializeToString())
                for algorithm in (QUADRATURE, TREESHAP)]
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))
    results = results_by_id(broker)
    expected = vector("xgb34_binary_logistic", "contrib")
    assert bits(results[f"q-{QUADRATURE}"][0].response.values) == bits(expected)
    assert bits(results[f"q-{TREESHAP}"][0].response.values) == bits(
        cross_vector("xgb34_binary_logistic.treeshap", "contrib"))


def test_bad_and_unsupported_algorithms_say_why(broker, make_worker):
    worker = make_worker(models=MODELS)
    request = predict_request("b1", "xgb34_binary_logistic", rows_of("xgb34_binary_logistic")[:2],
                              output=scoring_pb2.OUTPUT_KIND_CONTRIB)
    request.request.shap_algorithm = 7  # a number the schema does not define (a newer client's)
    unknown = run(ask(broker, request.SerializeToString()))
    assert not unknown.HasField("response")
    assert unknown.error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert "shap_algorithm 7 is not a ShapAlgorithm" in unknown.error.message

    lightgbm = run(ask(broker, predict_request("b2", "lgb4_binary", rows_of("lgb4_binary")[:2],
                                               output=scoring_pb2.OUTPUT_KIND_CONTRIB,
                                               shap_algorithm=QUADRATURE).SerializeToString()))
    assert lightgbm.error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert lightgbm.error.message.startswith("PS_ERR_UNSUPPORTED: ")
    assert ("QuadratureTreeSHAP is XGBoost's (3.3+); LightGBM models are explained by exact TreeSHAP"
            in lightgbm.error.message)

    assert run(stream_count(broker, DEAD_LETTER_STREAM)) == 0  # answered to the caller
    assert worker.proc.poll() is None


# ------------------------------------------ config.json "shap_algorithm": a model's default
def configured(tmp_path, name, case, config):
    """--model NAME=PATH with the config beside the file (PATH's stem + ".config.json")."""
    source = VECTORS / CASES[case]["model"]
    path = tmp_path / (name + source.suffix)
    shutil.copy(source, path)
    (tmp_path / (name + ".config.json")).write_text(json.dumps(config))
    return path


def test_configured_algorithm_is_the_default_and_auto_the_files(broker, make_worker, tmp_path):
    """XGBoost 3.2.0's file configured for quadrature: UNSPECIFIED gets XGBoost 3.4.1's
    bits of it, AUTO the file's own (3.2.0's exact TreeSHAP), TREESHAP too; request-reply
    and the queue alike."""
    make_worker(models={"xgb32q": configured(tmp_path, "xgb32q", "xgb3_binary_logistic",
                                             {"shap_algorithm": "quadrature"})})
    for output in ("contrib", "interactions"):
        cross = cross_vector("xgb3_binary_logistic.quadrature", output)
        own = vector("xgb3_binary_logistic", output)
        assert bits(cross) != bits(own)
        assert bits(score(broker, "xgb3_binary_logistic", output, UNSPECIFIED, model="xgb32q")) == bits(cross), output
        assert bits(score(broker, "xgb3_binary_logistic", output, QUADRATURE, model="xgb32q")) == bits(cross), output
        assert bits(score(broker, "xgb3_binary_logistic", output, AUTO, model="xgb32q")) == bits(own), output
        assert bits(score(broker, "xgb3_binary_logistic", output, TREESHAP, model="xgb32q")) == bits(own), output

    rows = rows_of("xgb3_binary_logistic")
    messages = [(f"c-{algorithm}", predict_request(f"c-{algorithm}", "xgb32q", rows,
                                                   output=scoring_pb2.OUTPUT_KIND_CONTRIB,
                                                   shap_algorithm=algorithm).SerializeToString())
                for algorithm in (UNSPECIFIED, AUTO)]
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))
    results = results_by_id(broker)
    assert bits(results[f"c-{UNSPECIFIED}"][0].response.values) == bits(
        cross_vector("xgb3_binary_logistic.quadrature", "contrib"))
    assert bits(results[f"c-{AUTO}"][0].response.values) == bits(vector("xgb3_binary_logistic", "contrib"))


# The server's words for the same configs (tests/server/test_shap_algorithm.py).
@pytest.mark.parametrize("case,config,words", [
    ("xgb3_binary_logistic", {"shap_algorithm": "exact"},
     'm.config.json: shap_algorithm must be one of auto, treeshap, quadrature, not "exact"'),
    ("lgb4_binary", {"shap_algorithm": "quadrature"},
     'm.config.json: shap_algorithm "quadrature" cannot explain this model: PS_ERR_UNSUPPORTED: '
     "QuadratureTreeSHAP is XGBoost's (3.3+); LightGBM models are explained by exact TreeSHAP"),
])
def test_a_config_the_model_cannot_follow_keeps_the_worker_from_starting(tmp_path, case, config, words):
    path = configured(tmp_path, "m", case, config)
    r = subprocess.run([str(BUILD / "polyscore"), "worker", "--nats", "nats://127.0.0.1:1", "--model", f"m={path}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "cannot load model 'm': " in r.stderr and words in r.stderr, r.stderr
