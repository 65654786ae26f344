"""Each kind of bad message goes to polyscore.deadletter once, with its reason and its
original bytes, and the worker goes on scoring the messages after it."""
from harness import (DEAD_LETTER_STREAM, REQUESTS, REQUESTS_STREAM, predict_request,
                     publish_requests, read_stream, results_by_id, run, wait_until_drained)
from polyscore.v1 import queue_pb2

GOOD_ROW = [0.4, 1.2]


def bad_shape():
    request = predict_request("bad-shape", "fraud-v3", [GOOD_ROW, GOOD_ROW])
    del request.request.float64_values[-1]  # 3 values for 2 x 2
    return request


# (request id or None, bytes, expected kind, words the reason must contain)
BAD_MESSAGES = [
    (None, b"\xff\xff\xff\xff", queue_pb2.QUEUE_ERROR_KIND_UNDECODABLE,
     "not a polyscore.v1.QueueRequest"),
    (None, predict_request("", "fraud-v3", [GOOD_ROW]).SerializeToString(),
     queue_pb2.QUEUE_ERROR_KIND_MISSING_REQUEST_ID, "request_id is empty"),
    ("bad-model", predict_request("bad-model", "no-such-model", [GOOD_ROW]).SerializeToString(),
     queue_pb2.QUEUE_ERROR_KIND_UNKNOWN_MODEL, "no model named 'no-such-model'"),
    ("bad-version", predict_request("bad-version", "fraud-v3", [GOOD_ROW], version="7")
     .SerializeToString(), queue_pb2.QUEUE_ERROR_KIND_UNKNOWN_MODEL, "no version '7'"),
    ("bad-cols", predict_request("bad-cols", "fraud-v3", [[0.4, 1.2, 9.0]]).SerializeToString(),
     queue_pb2.QUEUE_ERROR_KIND_WRONG_FEATURE_COUNT, "rows have 3 features"),
    ("bad-shape", bad_shape().SerializeToString(), queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST,
     "3 values do not fill rows x cols = 2 x 2"),
    ("bad-range", predict_request("bad-range", "fraud-v3", [GOOD_ROW], iterations=(0, 10000))
     .SerializeToString(), queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST, "PS_ERR_INVALID_ARGUMENT"),
]


def test_each_bad_message_is_a_dead_letter_with_its_reason(broker, make_worker):
    worker = make_worker()
    messages = []
    for i, (request_id, data, _, _) in enumerate(BAD_MESSAGES):
        messages.append((request_id, data))
        good_id = f"good-{i}"
        messages.append((good_id, predict_request(good_id, "fraud-v3", [GOOD_ROW]).SerializeToString()))
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))

    letters = run(read_stream(broker, DEAD_LETTER_STREAM))
    assert len(letters) == len(BAD_MESSAGES)
    for (headers, data), (request_id, original, kind, reason) in zip(letters, BAD_MESSAGES):
        letter = queue_pb2.DeadLetter.FromString(data)
        assert letter.error.kind == kind, letter
        assert reason in letter.error.message, letter.error.message
        assert letter.original == original
        assert letter.request_id == (request_id or "")
        assert (letter.original_subject, letter.original_stream) == (REQUESTS, REQUESTS_STREAM)
        assert letter.original_stream_sequence > 0
        assert headers["Polyscore-Error-Kind"] == queue_pb2.QueueErrorKind.Name(kind)
        assert reason in headers["Polyscore-Error"]

    # Every good message after a bad one was scored, and the worker is still up.
    results = results_by_id(broker)
    assert sorted(results) == sorted(f"good-{i}" for i in range(len(BAD_MESSAGES)))
    assert all(list(r.response.values) == [0.8551127314567566] for [r] in results.values())
    assert worker.proc.poll() is None
