"""A worker never holds more than --max-in-flight requests: the broker delivers no more
than that many unacknowledged requests, however many wait in the stream."""
import os
import signal
import time

from harness import (consumer_state, predict_request, publish_requests, run,
                     wait_until_drained)

MAX_IN_FLIGHT = 8
N = 3000


def test_max_in_flight_is_honoured(broker, make_worker):
    worker = make_worker("--max-in-flight", str(MAX_IN_FLIGHT))
    worker.stop()
    run(publish_requests(broker, [
        (f"bp-{i}", predict_request(f"bp-{i}", "fraud-v3", [[i / N, 1.0]]).SerializeToString())
        for i in range(N)]))
    worker.start()
    # Freeze the worker at arbitrary moments and ask the broker how many requests it
    # has handed out and not had acknowledged.
    in_flight, waiting = [], []
    for _ in range(30):
        os.kill(worker.proc.pid, signal.SIGSTOP)
        time.sleep(0.02)
        info = run(consumer_state(broker))
        os.kill(worker.proc.pid, signal.SIGCONT)
        in_flight.append(info.num_ack_pending)
        waiting.append(info.num_pending)
        time.sleep(0.01)
    assert run(consumer_state(broker)).config.max_ack_pending == MAX_IN_FLIGHT
    assert max(in_flight) <= MAX_IN_FLIGHT, in_flight
    assert max(in_flight) > 0, in_flight  # it was frozen while holding requests
    assert max(waiting) > MAX_IN_FLIGHT, waiting  # while many more were waiting
    wait_until_drained(broker, N)
