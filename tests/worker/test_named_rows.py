"""polyscore.v1 named_rows through the queue: rows by feature name score as the same
rows in the model's order; a missing or unknown name is a dead letter naming it."""
from harness import (DEAD_LETTER_STREAM, cli_scores, predict_request, publish_requests, read_stream,
                     results_by_id, run, wait_until_drained)
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
