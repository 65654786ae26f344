"""An answer that cannot fit in one broker message (the server's max_payload, 1 MiB by
default) is refused as QUEUE_ERROR_KIND_ANSWER_TOO_LARGE, with the sizes, instead of a
result the worker cannot publish: for a request-reply caller that would be a timeout,
and for a queued request a redelivery loop that never ends. A small request is small
on the wire, not in its answer: leaf indices of 4,000 rows of the 50-tree fraud model
are 1.6 MB of doubles from 64 kB of features."""
from harness import (DEAD_LETTER_STREAM, predict_request, publish_requests, read_stream,
                     results_by_id, run, wait_until_drained)
from polyscore.v1 import queue_pb2, scoring_pb2
from test_request_reply import ask

GOOD_ROW = [0.4, 1.2]
ROWS = 4000  # x 50 trees x 8 bytes = 1.6 MB of leaf indices


def leaves_request(request_id, rows):
    return predict_request(request_id, "fraud-v3", [GOOD_ROW] * rows, output=scoring_pb2.OUTPUT_KIND_LEAF)


def test_request_reply_refuses_an_answer_over_max_payload(broker, make_worker):
    worker = make_worker()
    refused = run(ask(broker, leaves_request("big", ROWS).SerializeToString()))
    assert not refused.HasField("response")
    assert refused.error.kind == queue_pb2.QUEUE_ERROR_KIND_ANSWER_TOO_LARGE, refused
    assert "max_payload" in refused.error.message and str(ROWS) in refused.error.message

    # Under the limit: answered, every row's 50 leaves.
    answered = run(ask(broker, leaves_request("small", 100).SerializeToString()))
    assert not answered.HasField("error"), answered.error
    assert len(answered.response.values) == 100 * 50
    assert worker.proc.poll() is None


def test_a_queued_answer_over_max_payload_is_one_dead_letter(broker, make_worker):
    worker = make_worker()
    big = leaves_request("big", ROWS).SerializeToString()
    good = predict_request("good", "fraud-v3", [GOOD_ROW]).SerializeToString()
    run(publish_requests(broker, [("big", big), ("good", good)]))
    wait_until_drained(broker, 2)

    letters = run(read_stream(broker, DEAD_LETTER_STREAM))
    assert len(letters) == 1
    headers, data = letters[0]
    letter = queue_pb2.DeadLetter.FromString(data)
    assert letter.error.kind == queue_pb2.QUEUE_ERROR_KIND_ANSWER_TOO_LARGE
    assert letter.request_id == "big" and letter.original == big
    assert list(results_by_id(broker)) == ["good"]
    assert worker.proc.poll() is None
