"""Category values by their text in rows by feature name (src/feature_columns/category_codes.h):
REST named_rows (a string as a feature's value, or NamedRow "categories"), gRPC NamedRow
categories, and Open Inference Protocol per-feature tensors of datatype BYTES (REST JSON,
REST binary, gRPC contents and raw). The XGBoost 3.2 frame model scored on the frame of its
case (tests/vectors/frames) sent as strings must give XGBoost's own margins bit for bit;
values the model cannot code are a 400 / INVALID_ARGUMENT naming the row, the feature and
the value."""
import json
import pathlib
import struct

import grpc
import numpy as np
import pytest
import requests

from conftest import channel_to, metadata
from wire.inference import grpc_predict_v2_pb2, grpc_predict_v2_pb2_grpc  # generated; see serve_util
from serve_util import VECTORS, Server, fraud_pb2, fraud_pb2_grpc, same_bits, scoring_pb2, scoring_pb2_grpc

FRAMES = VECTORS / "frames"
XGB3 = json.loads((FRAMES / "xgb3_frame_binary.case.json").read_text())
COLUMNS = XGB3["columns"]
FRAME = XGB3["frame"]
ROWS = len(FRAME[COLUMNS[0]]["values"])
CATEGORICAL = [c for c in COLUMNS if FRAME[c]["kind"] == "category"]


@pytest.fixture(scope="module")
def frames_server(tmp_path_factory):
    """xgb3 (lists with their features), lgb4 (pandas_categorical: lists without a
    feature) and xgb1 (no lists saved)."""
    models = tmp_path_factory.mktemp("models")
    for name, file in [("xgb3", "xgb3_frame_binary.json"), ("lgb4", "lgb4_frame_binary.txt"),
                       ("xgb1", "xgb1_frame_binary.json")]:
        target = models / name / "1"
        target.mkdir(parents=True)
        (target / ("model" + (FRAMES / file).suffix)).symlink_to(FRAMES / file)
    server = Server(models, tmp_path_factory.mktemp("log"))
    yield server
    assert server.stop() == 0, server.log_text()


def value(column, r):
    """The frame's cell as JSON: a category as its text (an integer category "8"), a
    boolean as 0/1, missing as null."""
    v = FRAME[column]["values"][r]
    if v is None:
        return None
    if FRAME[column]["kind"] == "category":
        return str(v)
    return float(v)


def named_rows():
    return [{"features": {c: value(c, r) for c in reversed(COLUMNS)}} for r in range(ROWS)]


def post(server, path, body, **kwargs):
    return requests.post(server.url + path, json=body, timeout=10, **kwargs)


def assert_margins(values):
    assert same_bits(np.array(values, dtype=np.float64), np.array(XGB3["margin"], dtype=np.float64))


def test_rest_strings_score_as_xgboost_scored_the_frame(frames_server):
    answer = post(frames_server, "/v1/predict", {"model": "xgb3", "output": "margin", "named_rows": named_rows()})
    assert answer.status_code == 200, answer.text
    assert_margins(answer.json()["values"])


def test_rest_named_row_categories_field(frames_server):
    """The proto3 JSON form of NamedRow: numbers in "features", strings in "categories"."""
    rows = []
    for row in named_rows():
        features = row["features"]
        rows.append({"features": {c: v for c, v in features.items() if not isinstance(v, str)},
                     "categories": {c: v for c, v in features.items() if isinstance(v, str)}})
    answer = post(frames_server, "/v1/predict", {"model": "xgb3", "output": "margin", "namedRows": rows})
    assert answer.status_code == 200, answer.text
    assert_margins(answer.json()["values"])
    rows[0]["categories"]["merchant"] = 3
    answer = post(frames_server, "/v1/predict", {"model": "xgb3", "named_rows": rows})
    assert answer.status_code == 400
    assert '"named_rows[0].categories.merchant" is a number, not a string' in answer.json()["error"]


def test_integer_categories_match_by_value(frames_server):
    """channel's categories are integers: "08" is 8, as the number's text; the number 8
    itself stays a code (out of range here, so it scores as an unknown code would)."""
    rows = named_rows()
    r = next(i for i, row in enumerate(rows) if row["features"]["channel"] == "8")
    rows = [rows[r]]
    base = post(frames_server, "/v1/predict", {"model": "xgb3", "output": "margin", "named_rows": rows}).json()
    rows[0]["features"]["channel"] = "08"
    padded = post(frames_server, "/v1/predict", {"model": "xgb3", "output": "margin", "named_rows": rows}).json()
    assert padded["values"] == base["values"] == [XGB3["margin"][r]]
    rows[0]["features"]["channel"] = 3  # the code of "8": the position in ["1", "2", "4", "8"]
    by_code = post(frames_server, "/v1/predict", {"model": "xgb3", "output": "margin", "named_rows": rows}).json()
    assert by_code["values"] == base["values"]


def test_grpc_named_row_categories(frames_server):
    request = scoring_pb2.PredictRequest(model="xgb3", output=scoring_pb2.OUTPUT_KIND_MARGIN)
    for r in range(ROWS):
        row = request.named_rows.add()
        for c in COLUMNS:
            v = value(c, r)
            if isinstance(v, str):
                row.categories[c] = v
            else:
                row.features[c] = float("nan") if v is None else v
    with channel_to(frames_server) as channel:
        scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        assert_margins(scoring.Predict(request, timeout=10).values)
        request.named_rows[5].categories["merchant"] = "bakery"
        with pytest.raises(grpc.RpcError) as refused:
            scoring.Predict(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details().startswith(
            '"named_rows[5]": feature "merchant": "bakery" is not a category the model was trained with ("grocery", ')
        request.named_rows[5].categories["merchant"] = "grocery"
        request.named_rows[5].features["merchant"] = 1.0
        with pytest.raises(grpc.RpcError) as refused:
            scoring.Predict(request, timeout=10)
        assert 'given twice: "merchant"' in refused.value.details()


# Rows whose categories are all present: binary BYTES (length-prefixed strings) has no
# missing value.
PRESENT = [r for r in range(ROWS) if all(FRAME[c]["values"][r] is not None for c in CATEGORICAL)]


def oip_inputs(binary=False):
    """One tensor per feature, in reverse order; JSON data holds every row (a missing
    category is null), binary data the PRESENT rows."""
    inputs, blobs = [], []
    rows = PRESENT if binary else range(ROWS)
    for c in reversed(COLUMNS):
        column = [value(c, r) for r in rows]
        if c in CATEGORICAL:
            tensor = {"name": c, "shape": [len(column)], "datatype": "BYTES"}
            if binary:
                blob = b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in column)
                tensor["parameters"] = {"binary_data_size": len(blob)}
                blobs.append(blob)
            else:
                tensor["data"] = column
        else:
            tensor = {"name": c, "shape": [len(column), 1], "datatype": "FP64", "data": column}
        inputs.append(tensor)
    return inputs, b"".join(blobs)


def test_oip_bytes_tensors(frames_server):
    inputs, _ = oip_inputs()
    answer = post(frames_server, "/v2/models/xgb3/infer", {"inputs": inputs, "parameters": {"output": "margin"}})
    assert answer.status_code == 200, answer.text
    assert_margins(answer.json()["outputs"][0]["data"])

    inputs, blob = oip_inputs(binary=True)
    header = json.dumps({"inputs": inputs, "parameters": {"output": "margin"}}).encode()
    answer = requests.post(frames_server.url + "/v2/models/xgb3/infer", data=header + blob, timeout=10,
                           headers={"Inference-Header-Content-Length": str(len(header)),
                                    "Content-Type": "application/octet-stream"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outputs"][0]["data"] == [XGB3["margin"][r] for r in PRESENT]

    inputs, _ = oip_inputs()
    country = next(t for t in inputs if t["name"] == "country")
    country["data"][7] = "XX"
    answer = post(frames_server, "/v2/models/xgb3/infer", {"inputs": inputs})
    assert answer.status_code == 400
    assert 'input "country" row 7: feature "country": "XX" is not a category' in answer.json()["error"]


@pytest.mark.parametrize("raw", [False, True])
def test_grpc_oip_bytes_tensors(frames_server, raw):
    """Protobuf bytes hold no missing value: the PRESENT rows."""
    Tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor
    request = grpc_predict_v2_pb2.ModelInferRequest(model_name="xgb3")
    for c in COLUMNS:
        column = [value(c, r) for r in PRESENT]
        if c in CATEGORICAL:
            tensor = Tensor(name=c, datatype="BYTES", shape=[len(column)])
            encoded = [v.encode() for v in column]
            if raw:
                request.raw_input_contents.append(b"".join(struct.pack("<I", len(v)) + v for v in encoded))
            else:
                tensor.contents.bytes_contents.extend(encoded)
        else:
            numbers = np.array([np.nan if v is None else v for v in column], dtype=np.float64)
            tensor = Tensor(name=c, datatype="FP64", shape=[len(column)])
            if raw:
                request.raw_input_contents.append(numbers.astype("<f8").tobytes())
            else:
                tensor.contents.fp64_contents.extend(numbers.tolist())
        request.inputs.append(tensor)
    request.outputs.add(name="margin")
    with channel_to(frames_server) as channel:
        reply = grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=10)
    got = (np.frombuffer(reply.raw_output_contents[0], dtype="<f8").tolist() if reply.raw_output_contents
           else list(reply.outputs[0].contents.fp64_contents))
    assert len(PRESENT) > 50 and got == [XGB3["margin"][r] for r in PRESENT]


@pytest.mark.parametrize("model,feature,text,words", [
    ("xgb3", "merchant", "bakery",
     'feature "merchant": "bakery" is not a category the model was trained with ("grocery", "travel"'),
    ("xgb3", "amount", "12.5", 'feature "amount" is numeric: "12.5" is not a number'),
    ("xgb3", "channel", "8.0", 'feature "channel": "8.0" is not a category the model was trained with'),
    ("lgb4", "merchant", "grocery", "LightGBM's pandas_categorical, which do not say which feature each codes"),
    ("xgb1", "merchant", "grocery", "the model file saved no training categories"),
])
def test_values_without_a_code_are_400(frames_server, model, feature, text, words):
    rows = named_rows()[:3]
    for row in rows:
        if model != "xgb3":  # these take codes only
            row["features"].update({c: 0.0 for c in CATEGORICAL})
        if model == "lgb4":  # LightGBM saved "age days" as "age_days"
            row["features"]["age_days"] = row["features"].pop("age days")
    rows[2]["features"][feature] = text
    answer = post(frames_server, "/v1/predict", {"model": model, "named_rows": rows})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert '"named_rows[2]"' in error and words in error, error


# ------------------------------------------- LightGBM lists paired by the model's config
LGB4 = json.loads((FRAMES / "lgb4_frame_binary.case.json").read_text())
LGB4_CATEGORICAL = [c for c in LGB4["columns"] if LGB4["frame"][c]["kind"] == "category"]


def lgb4_named_rows():
    """The LightGBM case's frame, categories by their text ("age days" as LightGBM saved it)."""
    frame = LGB4["frame"]
    rows = []
    for r in range(len(frame[LGB4["columns"][0]]["values"])):
        row = {}
        for c in LGB4["columns"]:
            v = frame[c]["values"][r]
            row["_".join(c.split())] = None if v is None else str(v) if frame[c]["kind"] == "category" else float(v)
        rows.append({"features": row})
    return rows


@pytest.fixture(scope="module")
def paired_server(tmp_path_factory):
    """lgb4 with config.json naming its categorical columns (right, and wrong three ways)."""
    models = tmp_path_factory.mktemp("paired")
    configs = {"lgb4p": LGB4_CATEGORICAL, "short": LGB4_CATEGORICAL[:1],
               "unknown": ["merchant", "nope", "channel"], "twice": ["merchant", "merchant", "channel"]}
    for name, columns in configs.items():
        (models / name / "1").mkdir(parents=True)
        (models / name / "1" / "model.txt").symlink_to(FRAMES / "lgb4_frame_binary.txt")
        (models / name / "config.json").write_text(json.dumps({"categorical_columns": columns}))
    server = Server(models, tmp_path_factory.mktemp("log"))
    yield server
    assert server.stop() == 0, server.log_text()


def test_lightgbm_strings_score_as_lightgbm_scored_the_frame(paired_server):
    """With the columns named, LightGBM's lists code the texts as LightGBM codes the frame."""
    assert LGB4_CATEGORICAL == ["merchant", "country", "channel"]
    answer = post(paired_server, "/v1/predict", {"model": "lgb4p", "output": "margin", "named_rows": lgb4_named_rows()})
    assert answer.status_code == 200, answer.text
    assert same_bits(np.array(answer.json()["values"]), np.array(LGB4["margin"], dtype=np.float64))


def test_lightgbm_value_not_trained_is_missing(paired_server):
    """LightGBM (pandas' set_categories) makes a value it was not trained with NaN."""
    rows = lgb4_named_rows()[:6]
    unseen = json.loads(json.dumps(rows))
    missing = json.loads(json.dumps(rows))
    for u, m in zip(unseen, missing):
        u["features"]["merchant"] = "bakery"
        m["features"]["merchant"] = None
    scores = [post(paired_server, "/v1/predict", {"model": "lgb4p", "output": "margin", "named_rows": r}).json()["values"]
              for r in (unseen, missing, rows)]
    assert scores[0] == scores[1]
    assert scores[0] != scores[2]  # the rows' merchants do move the margins


@pytest.mark.parametrize("model,words", [
    ("short", "1 categorical column was named, but the model file has 3 category lists"),
    ("unknown", 'categorical_columns names "nope", which is not a feature of the model'),
    ("twice", "is named for two category lists"),
])
def test_wrong_categorical_columns_keep_the_model_from_serving(paired_server, model, words):
    answer = requests.get(paired_server.url + "/v2/models/%s/ready" % model, timeout=10)
    assert answer.status_code == 400
    answer = post(paired_server, "/v1/predict", {"model": model, "named_rows": lgb4_named_rows()[:1]})
    assert answer.status_code == 503 and "failed to load" in answer.json()["error"], answer.text
    assert words in answer.json()["error"], answer.json()


# ---------------------------------------------- model metadata lists the categories
def xgboost_saved_lists(path):
    """{feature index: its category texts in code order}, read from the XGBoost 3.1+ JSON
    model itself (learner.gradient_booster.model.cats.enc: one entry per feature, strings
    as UTF-8 bytes cut at offsets, numbers as values; a numeric feature's entry is empty)."""
    enc = json.loads(pathlib.Path(path).read_text())["learner"]["gradient_booster"]["model"]["cats"]["enc"]
    lists = {}
    for j, entry in enumerate(enc):
        if "offsets" in entry:
            data, cuts = bytes(entry["values"]), entry["offsets"]
            texts = [data[a:b].decode() for a, b in zip(cuts, cuts[1:])]
        else:
            texts = [category_text(v) for v in entry["values"]]
        if texts:
            lists[j] = texts
    return lists


def lightgbm_saved_lists(path):
    """The pandas_categorical lists of a LightGBM model file, in list order, as texts."""
    line = next(l for l in pathlib.Path(path).read_text().splitlines() if l.startswith("pandas_categorical:"))
    return [[category_text(v) for v in values] for values in json.loads(line[len("pandas_categorical:"):])]


def categorical_split_features(path):
    """The features some split of a model file tests as a category, as
    tests/vectors/categorical_features.json has them (read from the files' own split types
    by tests/gen/make_categorical_feature_vectors.py)."""
    cases = json.loads((VECTORS / "categorical_features.json").read_text())["cases"]
    rel = pathlib.Path(path).relative_to(VECTORS).as_posix()
    return next(c["categorical_features"] for c in cases if c["model"] == rel)


def category_text(v):
    """A category's text as docs/categories.md spells it: "true"/"false", an integer's
    digits, a real's shortest round-trip form."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def grpc_lists(answer):
    return [(f.name, f.index, list(f.values), scoring_pb2.CategorySource.Name(f.source),
             scoring_pb2.UnknownCategory.Name(f.unknown), list(f.invalid_utf8_codes))
            for f in answer.categorical_features]


def rest_lists(answer):
    return [(f["name"], f["index"], f["values"], f["source"], f["unknown"], f["invalid_utf8_codes"])
            for f in answer["categorical_features"]]


def test_metadata_lists_xgboost_saved_categories(frames_server):
    """Every list XGBoost saved, in code order, under its feature; the same over gRPC and REST."""
    grpc_answer, rest = metadata(frames_server, "xgb3")
    names = list(grpc_answer.feature_names)
    expected = [(names[j], j, texts, "CATEGORY_SOURCE_MODEL_FILE", "UNKNOWN_CATEGORY_REFUSED", [])
                for j, texts in sorted(xgboost_saved_lists(FRAMES / "xgb3_frame_binary.json").items())]
    assert [e[0] for e in expected] == CATEGORICAL
    assert grpc_lists(grpc_answer) == expected == rest_lists(rest)
    assert grpc_answer.unpaired_category_lists == 0 == rest["unpaired_category_lists"]
    assert [e[1] for e in expected] == categorical_split_features(FRAMES / "xgb3_frame_binary.json")
    assert list(grpc_answer.code_only_categorical_features) == [] == rest["code_only_categorical_features"]


def test_metadata_lists_lightgbm_categories_paired_by_config(paired_server):
    grpc_answer, rest = metadata(paired_server, "lgb4p")
    names = list(grpc_answer.feature_names)
    # LightGBM pairs list i with the i-th categorical column; metadata lists features in order.
    lists = zip(LGB4_CATEGORICAL, lightgbm_saved_lists(FRAMES / "lgb4_frame_binary.txt"))
    expected = sorted(((c, names.index(c), texts, "CATEGORY_SOURCE_CONFIG_CATEGORICAL_COLUMNS",
                        "UNKNOWN_CATEGORY_MISSING", []) for c, texts in lists), key=lambda e: e[1])
    assert len(expected) == 3
    assert grpc_lists(grpc_answer) == expected == rest_lists(rest)
    assert grpc_answer.unpaired_category_lists == 0 == rest["unpaired_category_lists"]
    assert [e[1] for e in expected] == categorical_split_features(FRAMES / "lgb4_frame_binary.txt")
    assert list(grpc_answer.code_only_categorical_features) == [] == rest["code_only_categorical_features"]


@pytest.mark.parametrize("model,unpaired", [("lgb4", 3), ("xgb1", 0)])
def test_metadata_of_models_whose_features_take_codes_only(frames_server, model, unpaired):
    """LightGBM's lists without config.json categorical_columns are counted, not listed
    under a feature; a file without lists has neither."""
    grpc_answer, rest = metadata(frames_server, model)
    assert grpc_lists(grpc_answer) == [] == rest_lists(rest)
    assert grpc_answer.unpaired_category_lists == unpaired == rest["unpaired_category_lists"]
    if model == "lgb4":
        assert unpaired == len(lightgbm_saved_lists(FRAMES / "lgb4_frame_binary.txt"))
    # Which features take codes, from the file's own split types.
    file = FRAMES / ("lgb4_frame_binary.txt" if model == "lgb4" else "xgb1_frame_binary.json")
    code_only = categorical_split_features(file)
    assert len(code_only) == 3
    assert list(grpc_answer.code_only_categorical_features) == code_only == rest["code_only_categorical_features"]


def test_metadata_of_a_category_that_is_not_utf8(tmp_path):
    """A LightGBM file may save a lone surrogate (json.loads takes it; polyscore keeps
    surrogateescape's byte 0x80). Protobuf string fields and JSON must be UTF-8: metadata
    shows the byte as U+FFFD and lists the value's code in invalid_utf8_codes, and the
    answer still parses in a gRPC client. The value's bytes in an OIP BYTES tensor score
    as its code does."""
    text = (FRAMES / "lgb4_frame_binary.txt").read_text()
    line = next(l for l in text.splitlines() if l.startswith("pandas_categorical:"))
    first = json.loads(line[len("pandas_categorical:"):])[0][0]
    bad_line = line.replace(json.dumps(first), json.dumps(first)[:-1] + '\\udc80"', 1)
    assert bad_line != line
    (tmp_path / "models" / "bad" / "1").mkdir(parents=True)
    (tmp_path / "models" / "bad" / "1" / "model.txt").write_text(text.replace(line, bad_line))
    (tmp_path / "models" / "bad" / "config.json").write_text(json.dumps({"categorical_columns": LGB4_CATEGORICAL}))
    saved = json.loads(bad_line[len("pandas_categorical:"):])[0]
    server = Server(tmp_path / "models", tmp_path)
    try:
        grpc_answer, rest = metadata(server, "bad")
        as_bytes, as_code, as_missing = (
            lgb4_oip_margins(server, "bad", merchant) for merchant in
            (saved[0].encode("utf-8", "surrogateescape"), 0.0, float("nan")))
    finally:
        assert server.stop() == 0, server.log_text()
    assert as_bytes == as_code and as_bytes != as_missing
    shown = [v.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for v in saved]
    assert shown[0] == first + "\ufffd"
    merchant = grpc_answer.categorical_features[[f.name for f in grpc_answer.categorical_features].index("merchant")]
    assert list(merchant.values) == shown and list(merchant.invalid_utf8_codes) == [0]
    rest_merchant = next(f for f in rest["categorical_features"] if f["name"] == "merchant")
    assert rest_merchant["values"] == shown and rest_merchant["invalid_utf8_codes"] == [0]
    assert [f["invalid_utf8_codes"] for f in rest["categorical_features"] if f["name"] != "merchant"] == [[], []]


def lgb4_oip_margins(server, model, merchant):
    """gRPC ModelInfer margins of the LightGBM case's rows whose categories are all
    present, a tensor per feature, the texts as BYTES, merchant set to `merchant` in
    every row (bytes: a BYTES tensor; a number: an FP64 code)."""
    Tensor = grpc_predict_v2_pb2.ModelInferRequest.InferInputTensor
    rows = [r["features"] for r in lgb4_named_rows()
            if all(r["features"][c] is not None for c in LGB4_CATEGORICAL)]
    request = grpc_predict_v2_pb2.ModelInferRequest(model_name=model)
    for c in rows[0]:
        column = [merchant if c == "merchant" else row[c] for row in rows]
        if isinstance(column[0], (str, bytes)):
            tensor = Tensor(name=c, datatype="BYTES", shape=[len(column)])
            tensor.contents.bytes_contents.extend(v if isinstance(v, bytes) else v.encode() for v in column)
        else:
            tensor = Tensor(name=c, datatype="FP64", shape=[len(column)])
            tensor.contents.fp64_contents.extend(float("nan") if v is None else v for v in column)
        request.inputs.append(tensor)
    request.outputs.add(name="margin")
    with channel_to(server) as channel:
        reply = grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=10)
    assert len(rows) > 50
    return np.frombuffer(reply.raw_output_contents[0], dtype="<f8").tolist()


# ------------------------------------------------- fraud.v1 named_categories over gRPC
def fraud_rows(rows):
    """REST /predict bodies' named_features (strings for categories) -> fraud.v1 requests."""
    requests_ = []
    for row in rows:
        message = fraud_pb2.PredictRequest()
        for c, v in row["features"].items():
            if isinstance(v, str):
                message.named_categories[c] = v
            else:
                message.named_features[c] = float("nan") if v is None else v
        requests_.append(message)
    return requests_


@pytest.mark.parametrize("model,case", [("xgb3", "xgb3"), ("lgb4p", "lgb4p")])
def test_grpc_fraud_named_categories_score_as_rest_and_the_library(frames_server, paired_server, model, case):
    server, rows, library = ((frames_server, named_rows(), XGB3["value"]) if case == "xgb3"
                             else (paired_server, lgb4_named_rows(), LGB4["value"]))
    grpc_scores, rest_scores, rest_field_scores = [], [], []
    messages = fraud_rows(rows)
    assert sum(len(m.named_categories) == 3 for m in messages) > 50  # a missing category is NaN, a number
    with channel_to(server) as channel:
        fraud = fraud_pb2_grpc.FraudScorerStub(channel)
        for row, message in zip(rows, messages):
            message.model = model
            grpc_scores.append(fraud.Predict(message, timeout=10).score)
            rest = post(server, "/predict", {"model": model, "named_features": row["features"]})
            assert rest.status_code == 200, rest.text
            rest_scores.append(rest.json()["score"])
            # fraud.v1 in the proto3 JSON mapping: the texts in named_categories.
            features = row["features"]
            rest = post(server, "/predict", {
                "model": model, "namedFeatures": {c: v for c, v in features.items() if not isinstance(v, str)},
                "named_categories": {c: v for c, v in features.items() if isinstance(v, str)}})
            assert rest.status_code == 200, rest.text
            rest_field_scores.append(rest.json()["score"])
    assert same_bits(np.array(grpc_scores), np.array(rest_scores))
    assert same_bits(np.array(rest_field_scores), np.array(rest_scores))
    assert same_bits(np.array(grpc_scores), np.array(library, dtype=np.float64))


@pytest.mark.parametrize("feature,text,words", [
    ("merchant", "bakery", 'feature "merchant": "bakery" is not a category the model was trained with ("grocery", '),
    ("amount", "12.5", 'feature "amount" is numeric: "12.5" is not a number'),
])
def test_grpc_fraud_named_categories_refused_as_rest_refuses_them(frames_server, feature, text, words):
    row = named_rows()[4]
    row["features"][feature] = text
    rest = post(frames_server, "/predict", {"model": "xgb3", "named_features": row["features"]})
    assert rest.status_code == 400
    message = fraud_rows([row])[0]
    message.model = "xgb3"
    with channel_to(frames_server) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            fraud_pb2_grpc.FraudScorerStub(channel).Predict(message, timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == rest.json()["error"]
    assert words in refused.value.details()


def test_grpc_fraud_feature_in_both_maps_is_refused(frames_server):
    message = fraud_rows(named_rows()[:1])[0]
    message.model = "xgb3"
    message.named_features["merchant"] = 1.0
    with channel_to(frames_server) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            fraud_pb2_grpc.FraudScorerStub(channel).Predict(message, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert 'given twice: "merchant"' in refused.value.details()
        message = fraud_pb2.PredictRequest(model="xgb3", features=[0.0] * len(COLUMNS))
        message.named_categories["merchant"] = "grocery"
        with pytest.raises(grpc.RpcError) as refused:
            fraud_pb2_grpc.FraudScorerStub(channel).Predict(message, timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "not both" in refused.value.details()
