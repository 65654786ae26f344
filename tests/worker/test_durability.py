"""At-least-once delivery with a result recorded once: the worker killed with SIGKILL in
the middle of a stream, or the broker killed and restarted, and still every request has
exactly one result, equal to the C library's score."""
import asyncio
import random

from nats.js.api import DiscardPolicy

from harness import (consumer_state, REQUESTS_STREAM, RESULTS, RESULTS_STREAM, cli_scores, connect,
                     predict_request, publish_requests, results_by_id, run, stream_count,
                     wait_for, wait_until_drained)
from polyscore.v1 import queue_pb2

N = 4000


def fraud_requests(n, tmp_path, prefix="req"):
    rng = random.Random(14)
    rows = [[round(rng.uniform(-3, 3), 3), round(rng.uniform(0, 5), 3)] for _ in range(n)]
    expected = {f"{prefix}-{i}": score for i, [score] in enumerate(cli_scores(rows, tmp_path))}
    messages = [(f"{prefix}-{i}", predict_request(f"{prefix}-{i}", "fraud-v3", [row])
                 .SerializeToString()) for i, row in enumerate(rows)]
    return messages, expected


async def wait_for_results(broker, at_least, timeout=60):
    nc, js = await connect(broker)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            n = (await js.stream_info(RESULTS_STREAM)).state.messages
            if n >= at_least:
                return n
            assert asyncio.get_running_loop().time() < deadline, f"only {n} results"
            await asyncio.sleep(0.005)
    finally:
        await nc.close()


def assert_exactly_one_result_each(broker, expected):
    results = results_by_id(broker)
    assert run(stream_count(broker, RESULTS_STREAM)) == len(expected)
    assert set(results) == set(expected), "lost: %s" % sorted(set(expected) - set(results))[:10]
    doubled = [k for k, v in results.items() if len(v) > 1]
    assert not doubled, f"recorded more than once: {doubled[:10]}"
    wrong = [k for k, [r] in results.items() if list(r.response.values) != [expected[k]]]
    assert not wrong, f"scores differ from the C library: {wrong[:10]}"
    # Nothing waits and nothing is delivered without an acknowledgement.
    info = run(consumer_state(broker))
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert info.ack_floor.stream_seq == run(stream_count(broker, REQUESTS_STREAM))


def test_kill9_worker_mid_stream_loses_and_doubles_nothing(broker, make_worker, tmp_path):
    messages, expected = fraud_requests(N, tmp_path)
    worker = make_worker("--ack-wait-ms", "1000", "--dedup-window-ms", "60000", start=False)
    worker.start()   # creates the streams
    worker.stop()    # so the whole stream is waiting when it starts again
    run(publish_requests(broker, messages))
    worker.start()
    for fraction in (0.2, 0.5, 0.8):
        seen = run(wait_for_results(broker, int(N * fraction)))
        worker.kill9()
        assert seen < N, "the worker finished before it could be killed mid-stream"
        worker.start()
    wait_until_drained(broker, N)
    assert_exactly_one_result_each(broker, expected)


def test_broker_killed_and_restarted_loses_and_doubles_nothing(broker, make_worker, tmp_path):
    messages, expected = fraud_requests(N, tmp_path)
    worker = make_worker("--ack-wait-ms", "1000", "--dedup-window-ms", "60000")
    worker.stop()
    run(publish_requests(broker, messages))
    worker.start()
    for fraction in (0.3, 0.7):
        seen = run(wait_for_results(broker, int(N * fraction)))
        broker.kill9()
        assert seen < N, "the worker finished before the broker could be killed mid-stream"
        broker.start()
    wait_until_drained(broker, N)
    assert "reconnected to the broker" in worker.text()
    # The same worker process goes on taking new requests.
    more, more_expected = fraud_requests(20, tmp_path, prefix="after")
    run(publish_requests(broker, more))
    wait_until_drained(broker, N + 20)
    assert_exactly_one_result_each(broker, {**expected, **more_expected})
    assert worker.proc.poll() is None


def test_a_result_already_recorded_is_not_recorded_again(broker, make_worker):
    """The case the dedup exists for, made deterministic: the result of r-1 is already
    in the results stream (an earlier delivery published it, then died before its
    acknowledgement). Delivered again, r-1 must not get a second result."""
    worker = make_worker()

    async def record_earlier_result():
        nc, js = await connect(broker)
        earlier = queue_pb2.QueueResult(request_id="r-1")
        earlier.response.model = "from the earlier delivery"
        await js.publish(RESULTS, earlier.SerializeToString(), headers={"Nats-Msg-Id": "r-1"})
        await nc.close()
    run(record_earlier_result())
    run(publish_requests(broker, [
        (rid, predict_request(rid, "fraud-v3", [[0.4, 1.2]]).SerializeToString())
        for rid in ("r-1", "r-2")]))
    wait_until_drained(broker, 2)
    results = results_by_id(broker)
    assert [r.response.model for r in results["r-1"]] == ["from the earlier delivery"]
    assert [list(r.response.values) for r in results["r-2"]] == [[0.8551127314567566]]
    assert "r-1 was already recorded" in worker.text()
    assert run(consumer_state(broker)).ack_floor.stream_seq == 2  # r-1 acknowledged all the same


def test_a_request_is_acknowledged_only_after_its_result_is_stored(broker, make_worker):
    """While the results stream refuses new messages, requests stay in the queue
    (nothing is acknowledged without a stored result); once it accepts them again,
    every request gets its one result."""
    worker = make_worker("--ack-wait-ms", "500", "--dedup-window-ms", "60000")

    async def set_results_limit(max_msgs):
        nc, js = await connect(broker)
        config = (await js.stream_info(RESULTS_STREAM)).config
        config.max_msgs, config.discard = max_msgs, DiscardPolicy.NEW
        await js.update_stream(config)
        await nc.close()
    run(set_results_limit(3))
    messages = [(f"s-{i}", predict_request(f"s-{i}", "fraud-v3", [[0.4, 1.2]]).SerializeToString())
                for i in range(10)]
    run(publish_requests(broker, messages))
    wait_for(lambda: worker.text().count("cannot record") >= 3, 20, "refused publishes")
    assert run(stream_count(broker, RESULTS_STREAM)) == 3
    info = run(consumer_state(broker))  # the other 7 waiting, not lost
    assert info.ack_floor.stream_seq == 3
    assert info.num_ack_pending + info.num_pending == 7

    run(set_results_limit(-1))
    wait_until_drained(broker, 10)
    results = results_by_id(broker)
    assert sorted(results) == sorted(rid for rid, _ in messages)
    assert all(len(v) == 1 for v in results.values())


def test_workers_sharing_the_consumer_record_each_result_once(broker, make_worker, tmp_path):
    messages, expected = fraud_requests(2000, tmp_path)
    workers = [make_worker("--max-in-flight", "8") for _ in range(2)]
    run(publish_requests(broker, messages))
    wait_until_drained(broker, len(messages))
    assert_exactly_one_result_each(broker, expected)
    handled = []
    for w in workers:
        assert w.stop() == 0
        handled.append(int(w.text().split("this run handled ")[1].split()[0]))
    assert sum(handled) == len(messages) and min(handled) > 0, handled  # shared, not repeated
