"""Scores through the queue equal the training libraries' own predictions bit for bit
(tests/vectors), for float64 and float32 rows, every output kind and iteration ranges;
interaction values for the XGBoost cases' first rows (their vectors' `interactions`)."""
import csv
import json
import struct

from harness import (ROOT, RESULTS_STREAM, predict_request, publish_requests, results_by_id,
                     run, stream_count, wait_until_drained)
from polyscore.v1 import scoring_pb2

VECTORS = ROOT / "tests" / "vectors"
# A multiclass LightGBM model with an iteration range, an XGBoost multiclass model fed
# float32 rows, a categorical LightGBM model, and the 50-tree XGBoost binary model.
CASES = ["lgb4_multiclass_range_1_4", "xgb1_multi_softprob_f32", "lgb4_categorical",
         "xgb1_bigish_binary_logistic"]
OUTPUT_KINDS = {"value": scoring_pb2.OUTPUT_KIND_VALUE, "margin": scoring_pb2.OUTPUT_KIND_MARGIN,
                "leaf": scoring_pb2.OUTPUT_KIND_LEAF, "contrib": scoring_pb2.OUTPUT_KIND_CONTRIB,
                "interactions": scoring_pb2.OUTPUT_KIND_INTERACTIONS}


def read_csv(path):
    with open(path) as f:
        return [[float(v) for v in row] for row in csv.reader(f) if row]


def bits(values):
    return [struct.pack("<d", v) for v in values]


def load_cases():
    manifest = {c["name"]: c for c in json.loads((VECTORS / "manifest.json").read_text())["cases"]}
    return {name: manifest[name] for name in CASES}


def test_results_equal_the_training_libraries_bit_for_bit(broker, make_worker):
    cases = load_cases()
    make_worker(models={name: VECTORS / c["model"] for name, c in cases.items()})
    messages, expected = [], {}
    for name, case in cases.items():
        rows = read_csv(VECTORS / case["input"])
        iterations = ((case["iteration_begin"], case["iteration_end"])
                      if case["iteration_end"] else None)
        specs = dict(case["outputs"])
        if "interactions" in case:  # made for the first rows only
            specs["interactions"] = case["interactions"]
        for kind, spec in specs.items():
            want = read_csv(VECTORS / spec["file"])
            request_id = f"{name}/{kind}/all"
            messages.append((request_id, predict_request(
                request_id, name, rows[:len(want)], dtype=case["dtype"], output=OUTPUT_KINDS[kind],
                iterations=iterations).SerializeToString()))
            expected[request_id] = (kind, len(want), spec["shape"][1], [v for r in want for v in r])
            for i in range(3):  # single rows too
                request_id = f"{name}/{kind}/row{i}"
                messages.append((request_id, predict_request(
                    request_id, name, [rows[i]], dtype=case["dtype"], output=OUTPUT_KINDS[kind],
                    iterations=iterations).SerializeToString()))
                expected[request_id] = (kind, 1, spec["shape"][1], want[i])
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))

    results = results_by_id(broker)
    assert run(stream_count(broker, RESULTS_STREAM)) == len(messages)
    for request_id, (kind, rows, cols, want) in expected.items():
        [result] = results[request_id]
        response = result.response
        assert not result.HasField("error"), result.error
        assert (response.model, response.version) == (request_id.split("/")[0], "1")
        assert (response.rows, response.cols) == (rows, cols), request_id
        assert response.output == OUTPUT_KINDS[kind]
        assert bits(response.values) == bits(want), request_id
