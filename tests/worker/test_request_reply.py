"""Request-reply over core NATS: a QueueRequest to polyscore.rpc is answered on the
reply subject with a QueueResult, the response or the reason there is none."""
import nats

from harness import (DEAD_LETTER_STREAM, ROOT, RESULTS_STREAM, RPC, predict_request, run,
                     stream_count)
from polyscore.v1 import queue_pb2, scoring_pb2

OFFSETS = ROOT / "tests" / "vectors" / "offsets"


async def ask(broker, data):
    nc = await nats.connect(broker.url)
    try:
        reply = await nc.request(RPC, data, timeout=10)
        return queue_pb2.QueueResult.FromString(reply.data)
    finally:
        await nc.close()


def test_request_reply_answers_with_the_score(broker, make_worker):
    make_worker()
    result = run(ask(broker, predict_request("call-1", "fraud-v3", [[0.4, 1.2], [0.0, 0.5]])
                     .SerializeToString()))
    assert not result.HasField("error")
    assert result.request_id == "call-1"
    # examples/fraud/expected.csv: XGBoost's own predict for these rows.
    assert list(result.response.values) == [0.8551127314567566, 0.29665201902389526]
    assert (result.response.model, result.response.rows, result.response.cols) == ("fraud-v3", 2, 1)


def test_request_reply_needs_no_request_id_and_leaves_the_streams_alone(broker, make_worker):
    make_worker()
    result = run(ask(broker, predict_request("", "fraud-v3", [[0.4, 1.2]]).SerializeToString()))
    assert list(result.response.values) == [0.8551127314567566]
    assert run(stream_count(broker, RESULTS_STREAM)) == 0


def test_request_reply_says_why_a_request_cannot_be_scored(broker, make_worker):
    worker = make_worker()
    unknown = run(ask(broker, predict_request("c2", "fraud-v9", [[0.4, 1.2]]).SerializeToString()))
    assert not unknown.HasField("response")
    assert unknown.error.kind == queue_pb2.QUEUE_ERROR_KIND_UNKNOWN_MODEL
    assert "no model named 'fraud-v9'" in unknown.error.message

    garbage = run(ask(broker, b"\xff\xff\xff\xff"))
    assert garbage.error.kind == queue_pb2.QUEUE_ERROR_KIND_UNDECODABLE

    wrong = run(ask(broker, predict_request("c3", "fraud-v3", [[1.0, 2.0, 3.0]]).SerializeToString()))
    assert wrong.error.kind == queue_pb2.QUEUE_ERROR_KIND_WRONG_FEATURE_COUNT
    assert "rows have 3 features" in wrong.error.message and "takes 2" in wrong.error.message

    # Errors answered to the caller are not dead letters; the worker goes on serving.
    assert run(stream_count(broker, DEAD_LETTER_STREAM)) == 0
    ok = run(ask(broker, predict_request("c4", "fraud-v3", [[0.4, 1.2]]).SerializeToString()))
    assert list(ok.response.values) == [0.8551127314567566]
    assert worker.proc.poll() is None


def read_rows(path):
    return [[float(v) for v in line.split(",")] for line in path.read_text().splitlines() if line]


def test_request_reply_applies_per_row_offsets(broker, make_worker):
    """PredictRequest.base_margin reaches the C call: XGBoost's own predict with
    base_margin (tests/vectors/offsets), bit for bit; a wrong length is refused."""
    make_worker(models={"offset-binary": OFFSETS / "models" / "xgb3_offset_binary.json"})
    rows = read_rows(OFFSETS / "data" / "xgb3_offset_binary.X.csv")
    offsets = [row[0] for row in read_rows(OFFSETS / "data" / "xgb3_offset_binary.base_margin.csv")]
    for output, name in ((scoring_pb2.OUTPUT_KIND_MARGIN, "margin"), (scoring_pb2.OUTPUT_KIND_VALUE, "value")):
        expected = [row[0] for row in read_rows(OFFSETS / "data" / f"xgb3_offset_binary.{name}.csv")]
        result = run(ask(broker, predict_request("o1", "offset-binary", rows, output=output,
                                                 base_margin=offsets).SerializeToString()))
        assert not result.HasField("error"), result.error.message
        assert list(result.response.values) == expected, name

    short = run(ask(broker, predict_request("o2", "offset-binary", rows,
                                            base_margin=offsets[:-1]).SerializeToString()))
    assert short.error.kind == queue_pb2.QUEUE_ERROR_KIND_INVALID_REQUEST
    assert "base_margin has 39 values; expected 40 rows x 1 margins = 40" in short.error.message
