"""PredictRequest.shap_algorithm through the worker (request-reply and the queue): the
SHAP arithmetic of contributions and interaction values, as the server reads it.

The xgb34_ vectors are XGBoost 3.4.1's QuadratureTreeSHAP: the default and QUADRATURE
give them bit for bit; TREESHAP gives XGBoost 3.2.0's explanation of the same file
(tests/vectors/shap_algorithms), which differs in rounding. The xgb3_ vectors (XGBoost
3.2.0) are exact TreeSHAP: the default and TREESHAP give them; QUADRATURE gives XGBoost
3.4.1's explanation of that file. An unknown number is INVALID_REQUEST naming it; QUADRATURE on a
LightGBM model is INVALID_REQUEST with the library's reason (PS_ERR_UNSUPPORTED), as other
outputs a model cannot give.
"""
import csv
import json
import struct

import nats

from harness import (DEAD_LETTER_STREAM, ROOT, RPC, predict_request, publish_requests, results_by_id, run,
                     stream_count, wait_until_drained)
from polyscore.v1 import queue_pb2, scoring_pb2

VECTORS = ROOT / "tests" / "vectors"
CASES = {c["name"]: c for c in json.loads((VECTORS / "manifest.json").read_text())["cases"]}
MODELS = {name: VECTORS / CASES[name]["model"] for name in
          ("xgb34_binary_logistic", "xgb3_binary_logistic", "lgb4_binary")}
CROSS = {c["name"]: c for c in json.loads((VECTORS / "shap_algorithms" / "manifest.json").read_text())["cases"]}
ROWS = 8
KIND = {"contrib": scoring_pb2.OUTPUT_KIND_CONTRIB, "interactions": scoring_pb2.OUTPUT_KIND_INTERACTIONS}
AUTO, TREESHAP, QUADRATURE = (scoring_pb2.SHAP_ALGORITHM_UNSPECIFIED, scoring_pb2.SHAP_ALGORITHM_TREESHAP,
                              scoring_pb2.SHAP_ALGORITHM_QUADRATURE)


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


def score(broker, name, output, algorithm):
    result = run(ask(broker, predict_request("s", name, rows_of(name), output=KIND[output],
                                             shap_algorithm=algorithm).SerializeToString()))
    assert not result.HasField("error"), result.error.message
    return list(result.response.values)


def test_request_reply_honours_the_algorithm(broker, make_worker):
    make_worker(models=MODELS)
    for output in ("contrib", "interactions"):
        expected = vector("xgb34_binary_logistic", output)  # XGBoost 3.4.1: QuadratureTreeSHAP
        assert bits(score(broker, "xgb34_binary_logistic", output, AUTO)) == bits(expected), output
        assert bits(score(broker, "xgb34_binary_logistic", output, QUADRATURE)) == bits(expected), output
        cross = cross_vector("xgb34_binary_logistic.treeshap", output)  # xgboost 3.2.0's TreeSHAP
        assert bits(cross) != bits(expected)
        assert bits(score(broker, "xgb34_binary_logistic", output, TREESHAP)) == bits(cross), output

        expected = vector("xgb3_binary_logistic", output)  # XGBoost 3.2.0: exact TreeSHAP
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
