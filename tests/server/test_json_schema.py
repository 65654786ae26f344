"""proto/json/ describes what the REST endpoints accept and answer.

For each body, the JSON Schema and the server agree: a body the schema rejects gets a
400 naming the problem; a body it accepts is scored (200), and the answer fits the
answer's schema.
"""
import json

import jsonschema
import pytest
import requests

from serve_util import ROOT

SCHEMAS = ROOT / "proto" / "json"


def validator(name):
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_schema_is_valid():
    names = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert len(names) == 7
    for name in names:
        validator(name)


class NumericFeatureText(dict):
    """A body the schema takes (a string is a category value) that this model refuses:
    its features are numeric (docs/categories.md), so a 400 saying so."""


FRAUD = [
    {"features": [0.4, 1.2], "model": "fraud-v3"},
    {"features": [0.4, None], "model": "fraud-v3"},
    {"features": [0.4, 1.2], "model": "fraud-v3", "modle": "x"},
    {"features": [0.4, "1.2"], "model": "fraud-v3"},
    {"features": [0.4, 1.2]},
    {"model": "fraud-v3"},
    {"named_features": {"velocity": 1.2, "amount_zscore": None}, "model": "fraud-v3"},
    {"namedFeatures": {"velocity": 1.2, "amount_zscore": 0.4}, "model": "fraud-v3"},
    NumericFeatureText({"named_features": {"velocity": "1.2", "amount_zscore": 0.4}, "model": "fraud-v3"}),
    {"named_features": {"velocity": [1.2], "amount_zscore": 0.4}, "model": "fraud-v3"},
    {"named_features": [1.2, 0.4], "model": "fraud-v3"},
    {"features": [0.4, 1.2], "named_features": {"velocity": 1.2, "amount_zscore": 0.4}, "model": "fraud-v3"},
    NumericFeatureText({"named_features": {"amount_zscore": 0.4}, "named_categories": {"velocity": "1.2"},
                        "model": "fraud-v3"}),
    NumericFeatureText({"namedFeatures": {"amount_zscore": 0.4}, "namedCategories": {"velocity": "1.2"},
                        "model": "fraud-v3"}),
    NumericFeatureText({"named_categories": {"velocity": "1.2", "amount_zscore": "0.4"}, "model": "fraud-v3"}),
    {"named_features": {"amount_zscore": 0.4}, "named_categories": {"velocity": 1.2}, "model": "fraud-v3"},
    {"named_features": {"amount_zscore": 0.4}, "named_categories": ["1.2"], "model": "fraud-v3"},
    {"named_categories": {"velocity": "1.2"}, "namedCategories": {"amount_zscore": "0.4"}, "model": "fraud-v3"},
    {"features": [0.4, 1.2], "named_categories": {"velocity": "1.2"}, "model": "fraud-v3"},
]
BATCH = [
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2]},
    {"model": "fraud-v3", "rows": 2, "cols": 2, "float32_values": [0.4, 1.2, None, 3], "output": "margin",
     "iterations": {"begin": 0, "end": 10}},
    {"model": "fraud-v3", "version": "1", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "output": "OUTPUT_KIND_LEAF"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "output": "OUTPUT_KIND_UNSPECIFIED"},
    {"model": "fraud-v3", "rows": 1, "cols": 2},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "float32_values": [0.4, 1.2]},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "output": "proba"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "iterations": {"start": 1}},
    {"model": "fraud-v3", "rows": 1.5, "cols": 2, "float64_values": [0.4, 1.2]},
    {"model": "fraud-v3", "row": 1, "cols": 2, "float64_values": [0.4, 1.2]},
    {"model": "fraud-v3", "rows": 2, "cols": 2, "float64_values": [0.4, 1.2, 0, 0], "base_margin": [0.5, None]},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float32_values": [0.4, 1.2], "baseMargin": [-1.5]},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "base_margin": [1], "baseMargin": [1]},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "base_margin": ["1"]},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "base_margin": 1.0},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "base_margins": [1.0]},
    {"model": "fraud-v3", "named_rows": [{"features": {"velocity": 1.2, "amount_zscore": 0.4}},
                                         {"features": {"amount_zscore": None, "velocity": 3}}]},
    {"model": "fraud-v3", "namedRows": [{"features": {"velocity": 1.2, "amount_zscore": 0.4}}], "output": "margin",
     "base_margin": [0.5]},
    {"model": "fraud-v3", "named_rows": []},
    {"model": "fraud-v3", "named_rows": [{"features": {"velocity": 1.2, "amount_zscore": 0.4}}], "rows": 1},
    {"model": "fraud-v3", "named_rows": [{"features": {"velocity": 1.2, "amount_zscore": 0.4}}],
     "float64_values": [0.4, 1.2]},
    {"model": "fraud-v3", "named_rows": [{"velocity": 1.2, "amount_zscore": 0.4}]},
    {"model": "fraud-v3", "named_rows": [{"features": {"velocity": [1.2], "amount_zscore": 0.4}}]},
    NumericFeatureText({"model": "fraud-v3", "named_rows": [{"features": {"velocity": "1.2", "amount_zscore": 0.4}}]}),
    NumericFeatureText({"model": "fraud-v3", "named_rows": [{"features": {"amount_zscore": 0.4},
                                                             "categories": {"velocity": "1.2"}}]}),
    {"model": "fraud-v3", "named_rows": [{"features": {"amount_zscore": 0.4}, "categories": {"velocity": 1.2}}]},
    {"model": "fraud-v3", "named_rows": [{"features": {"amount_zscore": 0.4}, "category": {"velocity": "1.2"}}]},
    {"model": "fraud-v3", "named_rows": [], "namedRows": []},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "output": "contrib",
     "shap_algorithm": "treeshap"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "output": "contrib",
     "shapAlgorithm": "SHAP_ALGORITHM_QUADRATURE"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "shap_algorithm": "SHAP_ALGORITHM_UNSPECIFIED"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "shap_algorithm": "exact"},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "shap_algorithm": 1},
    {"model": "fraud-v3", "rows": 1, "cols": 2, "float64_values": [0.4, 1.2], "shap_algorithm": "auto",
     "shapAlgorithm": "auto"},
]
INFER = [
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}]},
    {"id": "a", "parameters": {"output": "margin"},
     "inputs": [{"name": "input", "shape": [2, 2], "datatype": "FP32", "data": [[0.4, 1.2], [None, 1]]}],
     "outputs": [{"name": "value"}, {"name": "leaf", "parameters": {"binary_data": False}}]},
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "INT32", "data": [0, 1]}]},
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}], "output": []},
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "dat": [0.4, 1.2]}]},
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}],
     "outputs": [{"name": "value", "binary_data": False}]},
    {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, "x"]}]},
    {"inputs": [{"name": "velocity", "shape": [2], "datatype": "FP64", "data": [1.2, None]},
                {"name": "amount_zscore", "shape": [2, 1], "datatype": "FP32", "data": [[0.4], [1]]}]},
    NumericFeatureText({"inputs": [{"name": "velocity", "shape": [1], "datatype": "FP64", "data": [1.2]},
                                   {"name": "amount_zscore", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}),
    {"inputs": [{"name": "velocity", "shape": [1], "datatype": "FP64", "data": [1.2]},
                {"name": "amount_zscore", "shape": [1], "datatype": "BYTES", "data": [1]}]},
    {"parameters": {"output": "contrib", "shap_algorithm": "quadrature"},
     "inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}]},
    {"parameters": {"output": "contrib", "shap_algorithm": "SHAP_ALGORITHM_TREESHAP"},  # polyscore.v1's name
     "inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}]},
    {"parameters": {"output": "OUTPUT_KIND_MARGIN"},  # polyscore.v1's name, as the gRPC twin refuses it
     "inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}]},
    {"parameters": {"output": "OUTPUT_KIND_UNSPECIFIED"},
     "inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [0.4, 1.2]}]},
]
REPOSITORY_INDEX = [{}, {"ready": True}, {"ready": "yes"}, {"redy": True}]


@pytest.mark.parametrize("path, request_schema, response_schema, bodies", [
    ("/predict", "fraud-predict-request.schema.json", "fraud-predict-response.schema.json", FRAUD),
    ("/v1/predict", "batch-predict-request.schema.json", "batch-predict-response.schema.json", BATCH),
    ("/v2/models/fraud-v3/infer", "infer-request.schema.json", None, INFER),
    ("/v2/repository/index", "repository-index-request.schema.json", None, REPOSITORY_INDEX),
])
def test_schema_and_server_agree(fraud_server, path, request_schema, response_schema, bodies):
    requests_ok = validator(request_schema)
    for body in bodies:
        answer = requests.post(fraud_server.url + path, json=body, timeout=10)
        if isinstance(body, NumericFeatureText):
            assert requests_ok.is_valid(body), body
            assert answer.status_code == 400, (body, answer.text)
            assert "is numeric" in answer.json()["error"], answer.text
        elif requests_ok.is_valid(body):
            assert answer.status_code == 200, (body, answer.text)
            if response_schema:
                validator(response_schema).validate(answer.json())
        else:
            assert answer.status_code == 400, (body, answer.text)
            assert answer.json()["error"]
