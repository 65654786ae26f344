"""polyscore.v1 named_rows through the queue: rows by feature name score as the same
rows in the model's order; a missing or unknown name is a dead letter naming it."""
from harness import (DEAD_LETTER_STREAM, cli_scores, named_rows_request, predict_request, publish_requests,
                     read_stream, results_by_id, run, wait_until_drained)
from polyscore.v1 import queue_pb2, scoring_pb2

ROWS = [[0.4, 1.2], [-1.0, 0.5], [2.5, -0.3]]


def named_request(request_id, rows):
    req = scoring_pb2.PredictRequest(model="fraud-v3")
    for row in rows:
        req.named_rows.add().features.update(row)
    return queue_pb2.QueueRequest(request_id=request_id, request=req)


def test_named_rows_score_as_positional_rows(broker, make_worker, tmp_path):
    make_worker()
    named = [{"velocity": v, "amount_zscore": a} for a, v in ROWS]
    bad_unknown = [{"velocity": 1.0, "amount_zscore": 0.4, "speed": 2.0}]
    bad_missing = [{"amount_zscore": 0.4}]
    both = named_request("both", named[:1])
    both.request.rows = 1
    messages = [("named", named_request("named", named).SerializeToString()),
                ("positional", predict_request("positional", "fraud-v3", ROWS).SerializeToString()),
                ("unknown", named_request("unknown", bad_unknown).SerializeToString()),
                ("missing", named_request("missing", bad_missing).SerializeToString()),
                ("both", both.SerializeToString())]
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))

    results = results_by_id(broker)
    [named_result], [positional] = results["named"], results["positional"]
    assert not named_result.HasField("error"), named_result.error
    assert (named_result.response.rows, named_result.response.cols) == (3, 1)
    assert list(named_result.response.values) == list(positional.response.values)
    assert list(named_result.response.values) == [v for row in cli_scores(ROWS, tmp_path) for v in row]

    letters = {queue_pb2.DeadLetter.FromString(d).request_id: queue_pb2.DeadLetter.FromString(d)
               for _, d in run(read_stream(broker, DEAD_LETTER_STREAM))}
    assert sorted(letters) == ["both", "missing", "unknown"]
    for letter in letters.values():
        assert letter.error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert ("named_rows[0] does not match the features of model 'fraud-v3' "
            "(\"amount_zscore\", \"velocity\"): unknown feature \"speed\"") in letters["unknown"].error.message
    assert 'missing feature "velocity"' in letters["missing"].error.message
    assert "give either named_rows or rows" in letters["both"].error.message


def test_named_row_categories_score_as_xgboost_scored_the_frame(broker, make_worker):
    """NamedRow.categories: the XGBoost 3.2 frame case's rows (tests/vectors/frames) with
    their categories as text score XGBoost's own margins bit for bit, coded by the same
    src/feature_columns code as the server's; an unseen value and a text for a LightGBM
    model (its lists name no feature) are dead letters naming the row, feature and value."""
    import json
    import math
    import pathlib

    frames = pathlib.Path(__file__).resolve().parents[1] / "vectors" / "frames"
    case = json.loads((frames / "xgb3_frame_binary.case.json").read_text())
    frame = case["frame"]
    make_worker(models={"xgb3": frames / "xgb3_frame_binary.json", "lgb4": frames / "lgb4_frame_binary.txt"})

    rows = []
    for r in range(len(case["margin"])):
        cells = {}
        for name, column in frame.items():
            v = column["values"][r]
            cells[name] = (math.nan if v is None else str(v) if column["kind"] == "category" else float(v))
        rows.append(cells)
    unseen = [dict(rows[0]), dict(rows[1])]
    unseen[1]["merchant"] = "bakery"
    lgb = [{("age_days" if k == "age days" else k): v for k, v in rows[0].items()}]
    messages = [("xgb3", named_rows_request("xgb3", "xgb3", rows).SerializeToString()),
                ("unseen", named_rows_request("unseen", "xgb3", unseen).SerializeToString()),
                ("lgb4", named_rows_request("lgb4", "lgb4", lgb).SerializeToString())]
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))

    [scored] = results_by_id(broker)["xgb3"]
    assert not scored.HasField("error"), scored.error
    assert list(scored.response.values) == case["margin"]
    letters = {queue_pb2.DeadLetter.FromString(d).request_id: queue_pb2.DeadLetter.FromString(d)
               for _, d in run(read_stream(broker, DEAD_LETTER_STREAM))}
    assert sorted(letters) == ["lgb4", "unseen"]
    assert letters["unseen"].error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert letters["unseen"].error.message.startswith(
        'named_rows[1]: feature "merchant": "bakery" is not a category the model was trained with ("grocery", ')
    assert "LightGBM's pandas_categorical" in letters["lgb4"].error.message
