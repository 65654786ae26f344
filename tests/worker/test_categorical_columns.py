"""A LightGBM model's categorical columns named in its config.json, read by the worker
as the server reads it (src/model_config): the LightGBM 4.7 frame case's rows
(tests/vectors/frames) with their categories as text score LightGBM's own margins bit
for bit, a value LightGBM was not trained with is missing, and wrong names keep the
worker from starting with the server's words."""
import json
import math
import pathlib
import shutil
import subprocess

import pytest

from harness import (BUILD, DEAD_LETTER_STREAM, named_rows_request, publish_requests, read_stream,
                     results_by_id, run, wait_until_drained)
from polyscore.v1 import queue_pb2, scoring_pb2

FRAMES = pathlib.Path(__file__).resolve().parents[1] / "vectors" / "frames"
LGB4_MODEL = FRAMES / "lgb4_frame_binary.txt"
LGB4 = json.loads((FRAMES / "lgb4_frame_binary.case.json").read_text())
CATEGORICAL = [c for c in LGB4["columns"] if LGB4["frame"][c]["kind"] == "category"]


def lgb4_rows():
    """The case's predict frame: categories by their text (the frame holds values training
    never saw, which LightGBM scored as missing), the rest as numbers, missing as NaN;
    "age days" as LightGBM saved it."""
    frame = LGB4["frame"]
    rows = []
    for r in range(len(LGB4["margin"])):
        cells = {}
        for c in LGB4["columns"]:
            v = frame[c]["values"][r]
            cells["_".join(c.split())] = (math.nan if v is None else str(v) if frame[c]["kind"] == "category"
                                          else float(v))
        rows.append(cells)
    return rows


def repository(tmp_path, configs):
    """A --models DIR: each name's model.txt is the LightGBM case, with config.json `configs[name]`."""
    models = tmp_path / "models"
    for name, config in configs.items():
        (models / name / "1").mkdir(parents=True)
        shutil.copy(LGB4_MODEL, models / name / "1" / "model.txt")
        if config is not None:
            (models / name / "config.json").write_text(json.dumps(config))
    return models


def test_texts_score_as_lightgbm_scored_the_frame(broker, make_worker, tmp_path):
    assert CATEGORICAL == ["merchant", "country", "channel"]
    models = repository(tmp_path, {"lgb4": {"categorical_columns": CATEGORICAL},
                                   "bare": None})
    # --model NAME=PATH: the config beside the file, PATH's stem + ".config.json".
    beside = tmp_path / "beside"
    beside.mkdir()
    shutil.copy(LGB4_MODEL, beside / "scorer.txt")
    (beside / "scorer.config.json").write_text(json.dumps({"categorical_columns": CATEGORICAL,
                                                           "default_output": "margin"}))
    make_worker("--models", str(models), models={"flat": beside / "scorer.txt"})

    rows = lgb4_rows()
    trained = json.loads(LGB4_MODEL.read_text().rstrip("\n").rsplit("\n", 1)[1].split(":", 1)[1])
    untrained = [r for r in rows for c, values in zip(CATEGORICAL, trained)
                 if isinstance(r[c], str) and r[c] not in map(str, values)]
    assert untrained, "the frame holds values training never saw: LightGBM scored them as missing"
    unseen = [dict(r) for r in rows[:6]]
    missing = [dict(r) for r in rows[:6]]
    for u, m in zip(unseen, missing):
        u["merchant"] = "bakery"
        m["merchant"] = math.nan
    messages = [("dir", named_rows_request("dir", "lgb4", rows)),
                ("flat", named_rows_request("flat", "flat", rows, output=scoring_pb2.OUTPUT_KIND_UNSPECIFIED)),
                ("unseen", named_rows_request("unseen", "lgb4", unseen)),
                ("missing", named_rows_request("missing", "lgb4", missing)),
                ("known", named_rows_request("known", "lgb4", rows[:6])),
                ("bare", named_rows_request("bare", "bare", rows[:1]))]
    run(publish_requests(broker, [(i, m.SerializeToString()) for i, m in messages]))
    wait_until_drained(broker, len(messages))

    results = results_by_id(broker)
    for request_id in ("dir", "flat"):
        [scored] = results[request_id]
        assert not scored.HasField("error"), scored.error
        assert scored.response.output == scoring_pb2.OUTPUT_KIND_MARGIN  # "flat": its config's default_output
        assert list(scored.response.values) == LGB4["margin"], request_id  # == on floats: bit for bit
    [unseen_result], [missing_result], [known] = results["unseen"], results["missing"], results["known"]
    assert list(unseen_result.response.values) == list(missing_result.response.values)
    assert list(unseen_result.response.values) != list(known.response.values)  # merchant moves the margins

    # Without a config the texts of a LightGBM model are refused, as before.
    letters = {queue_pb2.DeadLetter.FromString(d).request_id: queue_pb2.DeadLetter.FromString(d)
               for _, d in run(read_stream(broker, DEAD_LETTER_STREAM))}
    assert sorted(letters) == ["bare"]
    assert letters["bare"].error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert "LightGBM's pandas_categorical" in letters["bare"].error.message


def worker(*args):
    return subprocess.run([str(BUILD / "polyscore"), "worker", "--nats", "nats://127.0.0.1:1", *args],
                          capture_output=True, text=True, timeout=30)


# The server's words for the same configs (tests/server/test_categories.py).
@pytest.mark.parametrize("columns,words", [
    (CATEGORICAL[:1], "config categorical_columns: 1 categorical column was named, but the model file has 3 "
                      "category lists"),
    (["merchant", "nope", "channel"], 'config categorical_columns names "nope", which is not a feature of the model'),
    (["merchant", "merchant", "channel"], "config categorical_columns: feature 1 is named for two category lists"),
])
def test_wrong_categorical_columns_keep_the_worker_from_starting(tmp_path, columns, words):
    models = repository(tmp_path, {"lgb4": {"categorical_columns": columns}})
    r = worker("--models", str(models))
    assert r.returncode == 1 and "cannot load model 'lgb4': " + words in r.stderr, r.stderr
    shutil.copy(LGB4_MODEL, tmp_path / "flat.txt")
    (tmp_path / "flat.config.json").write_text(json.dumps({"categorical_columns": columns}))
    r = worker("--model", f"m={tmp_path / 'flat.txt'}")
    assert r.returncode == 1 and "cannot load model 'm': " + words in r.stderr, r.stderr


def test_a_broken_config_names_its_file(tmp_path):
    models = repository(tmp_path, {"lgb4": {"categorical_columns": "merchant"}})
    r = worker("--models", str(models))
    assert r.returncode == 1, r.stderr
    assert f"cannot load model 'lgb4': {models / 'lgb4' / 'config.json'}: categorical_columns is not an array" in r.stderr


# Categories spelled as a missing value ("NA", "nan", "NaN", "", "N/A", "null"): a string
# is the category of that text, NaN the missing value, as on the server
# (tests/vectors/frames/*_kinds_binary, tests/gen/make_category_kind_vectors.py).
KINDS = {"lgb4k": ("lgb4_kinds_binary.txt", "model.txt"), "xgb3k": ("xgb3_kinds_binary.json", "model.json")}


def kinds_rows(case):
    frame = case["frame"]
    return [{c: (math.nan if frame[c]["values"][r] is None
                 else (("true" if v else "false") if isinstance(v, bool) else str(v))
                 if frame[c]["kind"] == "category" else float(v))
             for c in case["columns"] for v in [frame[c]["values"][r]]}
            for r in range(len(case["margin"]))]


def test_texts_spelled_as_missing_are_categories(broker, make_worker, tmp_path):
    models = tmp_path / "models"
    cases, messages = {}, []
    for name, (file, target) in KINDS.items():
        cases[name] = json.loads((FRAMES / (file.rsplit(".", 1)[0] + ".case.json")).read_text())
        (models / name / "1").mkdir(parents=True)
        shutil.copy(FRAMES / file, models / name / "1" / target)
        rows = kinds_rows(cases[name])
        assert {"NA", "nan", "NaN", "", "N/A", "null"} <= {r["shop"] for r in rows}
        messages.append((name, named_rows_request(name, name, rows)))
    categorical = [c for c in cases["lgb4k"]["columns"] if cases["lgb4k"]["frame"][c]["kind"] == "category"]
    (models / "lgb4k" / "config.json").write_text(json.dumps({"categorical_columns": categorical}))
    make_worker("--models", str(models))
    run(publish_requests(broker, [(i, m.SerializeToString()) for i, m in messages]))
    wait_until_drained(broker, len(messages))
    results = results_by_id(broker)
    for name, case in cases.items():
        [scored] = results[name]
        assert not scored.HasField("error"), scored.error
        assert list(scored.response.values) == case["margin"], name  # bit for bit
