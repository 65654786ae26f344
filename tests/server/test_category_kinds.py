"""What a client needs to send categories without guessing: the KIND of each feature's
training categories in model metadata (polyscore.v1 GetModelMetadata and GET
/v1/models/{name}: CategoricalFeature.kind), equal to the dtype of the training frame's
categories; and category texts spelled as a missing value ("NA", "nan", "NaN", "",
"N/A", "null") given as strings, which are the categories of that text (JSON null is
the missing value), scoring as the training library scored them.

Vectors: tests/vectors/frames/{lgb4,xgb3}_kinds_binary, made by
tests/gen/make_category_kind_vectors.py with LightGBM 4.7 and XGBoost 3.2."""
import json

import numpy as np
import pytest
import requests

from conftest import channel_to, metadata
from serve_util import VECTORS, Server, fraud_pb2, fraud_pb2_grpc, same_bits, scoring_pb2, scoring_pb2_grpc

FRAMES = VECTORS / "frames"
CASES = {"lgb4k": json.loads((FRAMES / "lgb4_kinds_binary.case.json").read_text()),
         "xgb3k": json.loads((FRAMES / "xgb3_kinds_binary.case.json").read_text())}
FILES = {"lgb4k": "lgb4_kinds_binary.txt", "xgb3k": "xgb3_kinds_binary.json"}
SPELLED_AS_MISSING = ["NA", "nan", "NaN", "", "N/A", "null"]


def categorical(case):
    return [c for c in case["columns"] if case["frame"][c]["kind"] == "category"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    for name, file in FILES.items():
        (models / name / "1").mkdir(parents=True)
        (models / name / "1" / ("model" + (FRAMES / file).suffix)).symlink_to(FRAMES / file)
    # LightGBM's lists name no feature: the deployment names the training frame's
    # categorical columns, in order.
    (models / "lgb4k" / "config.json").write_text(json.dumps({"categorical_columns": categorical(CASES["lgb4k"])}))
    s = Server(models, tmp_path_factory.mktemp("log"))
    yield s
    assert s.stop() == 0, s.log_text()


def kind_of_dtype(dtype):
    """The CategoryKind a client expects of a pandas categories dtype."""
    if dtype in ("object", "str", "string"):
        return "CATEGORY_KIND_STRING"
    if dtype.startswith(("int", "uint")):
        return "CATEGORY_KIND_INTEGER"
    if dtype.startswith("float"):
        return "CATEGORY_KIND_REAL"
    if dtype == "bool":
        return "CATEGORY_KIND_BOOLEAN"
    raise AssertionError("no kind for dtype " + dtype)


@pytest.mark.parametrize("model", ["lgb4k", "xgb3k"])
def test_kind_is_the_training_frame_dtype(server, model):
    case = CASES[model]
    expected = {c: kind_of_dtype(case["category_dtypes"][c]) for c in categorical(case)}
    assert len(set(expected.values())) == (4 if model == "lgb4k" else 2)  # every kind the library saves
    grpc_answer, rest = metadata(server, model)
    grpc_kinds = {f.name: scoring_pb2.CategoryKind.Name(f.kind) for f in grpc_answer.categorical_features}
    rest_kinds = {f["name"]: f["kind"] for f in rest["categorical_features"]}
    assert grpc_kinds == expected == rest_kinds
    assert all(not f.value_kinds for f in grpc_answer.categorical_features)
    assert all(f["value_kinds"] == [] for f in rest["categorical_features"])


def test_a_real_category_is_spelled_as_its_shortest_double(server):
    """1.0 is "1" of kind REAL: the kind says it is not the integer 1 nor the string "1"."""
    grpc_answer, rest = metadata(server, "lgb4k")
    rate = next(f for f in rest["categorical_features"] if f["name"] == "rate")
    assert rate["values"] == ["0.5", "1", "2.5", "-3"] and rate["kind"] == "CATEGORY_KIND_REAL"
    assert CASES["lgb4k"]["frame"]["rate"]["categories"] == [0.5, 1.0, 2.5, -3.0]


def test_mixed_kinds_are_given_per_value(server, tmp_path):
    """A pandas object column of strings and numbers: LightGBM's list holds both kinds."""
    text = (FRAMES / "lgb4_kinds_binary.txt").read_text()
    line = next(l for l in text.splitlines() if l.startswith("pandas_categorical:"))
    lists = json.loads(line[len("pandas_categorical:"):])
    lists[1] = [10, "1", 3.5, True]  # level: the same number of values, four kinds
    (tmp_path / "models" / "mixed" / "1").mkdir(parents=True)
    (tmp_path / "models" / "mixed" / "1" / "model.txt").write_text(
        text.replace(line, "pandas_categorical:" + json.dumps(lists)))
    (tmp_path / "models" / "mixed" / "config.json").write_text(
        json.dumps({"categorical_columns": categorical(CASES["lgb4k"])}))
    s = Server(tmp_path / "models", tmp_path)
    try:
        grpc_answer, rest = metadata(s, "mixed")
    finally:
        assert s.stop() == 0, s.log_text()
    kinds = ["CATEGORY_KIND_INTEGER", "CATEGORY_KIND_STRING", "CATEGORY_KIND_REAL", "CATEGORY_KIND_BOOLEAN"]
    level = next(f for f in rest["categorical_features"] if f["name"] == "level")
    assert level["kind"] == "CATEGORY_KIND_MIXED" and level["value_kinds"] == kinds
    assert level["values"] == ["10", "1", "3.5", "true"]
    g = next(f for f in grpc_answer.categorical_features if f.name == "level")
    assert scoring_pb2.CategoryKind.Name(g.kind) == "CATEGORY_KIND_MIXED"
    assert [scoring_pb2.CategoryKind.Name(k) for k in g.value_kinds] == kinds


def text_of(v):
    """A category as a client sends it by its text: Python's True is "true"."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def rows(model):
    case = CASES[model]
    out = []
    for r in range(len(case["margin"])):
        row = {}
        for c in case["columns"]:
            v = case["frame"][c]["values"][r]
            row[c] = None if v is None else text_of(v) if case["frame"][c]["kind"] == "category" else float(v)
        out.append(row)
    return out


@pytest.mark.parametrize("model", ["lgb4k", "xgb3k"])
def test_texts_spelled_as_missing_are_categories_over_rest(server, model):
    case = CASES[model]
    sent = rows(model)
    shops = {row["shop"] for row in sent}
    assert set(SPELLED_AS_MISSING) <= shops and None in shops  # the case holds them, and missing values
    answer = requests.post(server.url + "/v1/predict", timeout=10, json={
        "model": model, "output": "margin", "named_rows": [{"features": row} for row in sent]})
    assert answer.status_code == 200, answer.text
    assert same_bits(np.array(answer.json()["values"]), np.array(case["margin"]))


@pytest.mark.parametrize("model", ["lgb4k", "xgb3k"])
def test_texts_spelled_as_missing_are_categories_over_grpc(server, model):
    case = CASES[model]
    request = scoring_pb2.PredictRequest(model=model, output=scoring_pb2.OUTPUT_KIND_MARGIN)
    for row in rows(model):
        named = request.named_rows.add()
        for c, v in row.items():
            if isinstance(v, str):
                named.categories[c] = v
            else:
                named.features[c] = float("nan") if v is None else v
    with channel_to(server) as channel:
        answer = scoring_pb2_grpc.ScoringServiceStub(channel).Predict(request, timeout=10)
    assert same_bits(np.array(answer.values), np.array(case["margin"]))


@pytest.mark.parametrize("model", ["lgb4k", "xgb3k"])
def test_texts_spelled_as_missing_are_categories_in_oip_bytes_tensors(server, model):
    """Open Inference Protocol, one tensor per feature: BYTES strings, null missing."""
    case = CASES[model]
    sent = rows(model)
    inputs = []
    for c in case["columns"]:
        column = [row[c] for row in sent]
        if c in categorical(case):
            inputs.append({"name": c, "shape": [len(column)], "datatype": "BYTES", "data": column})
        else:
            inputs.append({"name": c, "shape": [len(column), 1], "datatype": "FP64", "data": column})
    answer = requests.post(server.url + "/v2/models/%s/infer" % model, timeout=10,
                           json={"inputs": inputs, "parameters": {"output": "margin"}})
    assert answer.status_code == 200, answer.text
    assert same_bits(np.array(answer.json()["outputs"][0]["data"]), np.array(case["margin"]))


@pytest.mark.parametrize("model", ["lgb4k", "xgb3k"])
def test_texts_spelled_as_missing_are_categories_in_fraud_v1(server, model):
    """fraud.v1, one row a request: REST named_features strings, gRPC named_categories."""
    case = CASES[model]
    rest_scores, grpc_scores = [], []
    with channel_to(server) as channel:
        fraud = fraud_pb2_grpc.FraudScorerStub(channel)
        for row in rows(model):
            answer = requests.post(server.url + "/predict", timeout=10, json={"model": model, "named_features": row})
            assert answer.status_code == 200, answer.text
            rest_scores.append(answer.json()["score"])
            message = fraud_pb2.PredictRequest(model=model)
            for c, v in row.items():
                if isinstance(v, str):
                    message.named_categories[c] = v
                else:
                    message.named_features[c] = float("nan") if v is None else v
            grpc_scores.append(fraud.Predict(message, timeout=10).score)
    assert same_bits(np.array(rest_scores), np.array(case["value"]))
    assert same_bits(np.array(grpc_scores), np.array(case["value"]))
