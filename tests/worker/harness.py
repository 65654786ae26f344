"""Processes and clients for the worker tests: a real nats-server with JetStream on a
free loopback port and a temporary store, the worker as `polyscore worker`, and small
nats-py helpers to publish requests and read the streams back."""
import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import nats
import nats.js.errors
from nats.js.api import StreamConfig

from polyscore.v1 import queue_pb2, scoring_pb2

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("POLYSCORE_BUILD_DIR", ROOT / "build"))
FRAUD_MODEL = ROOT / "examples" / "fraud" / "fraud-v3.json"

REQUESTS, RESULTS, DEAD_LETTERS, RPC = (
    "polyscore.requests", "polyscore.results", "polyscore.deadletter", "polyscore.rpc")
REQUESTS_STREAM, RESULTS_STREAM, DEAD_LETTER_STREAM = (
    "POLYSCORE_REQUESTS", "POLYSCORE_RESULTS", "POLYSCORE_DEADLETTER")
CONSUMER = "polyscore-worker"


def free_port():
    """A loopback port nothing listens on at this moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Broker:
    """nats-server -js on 127.0.0.1; restartable on the same port and store."""

    def __init__(self, tmp: Path):
        self.port = None  # chosen by nats-server at the first start
        self.store = tmp / "jetstream"
        self.log = tmp / "nats-server.log"
        self.proc = None

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def start(self):
        # The first start lets nats-server bind a free port itself (-p -1) and reads it
        # from the log: a port found free by the test and bound later by the server could
        # be taken in between by another suite running at the same time.
        log_before = self.log.read_text() if self.log.exists() else ""
        self.proc = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port or -1),
             "-sd", str(self.store), "-l", str(self.log)] + os.environ.get("NATS_EXTRA", "").split(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def ready():
            assert self.proc.poll() is None, f"nats-server exited:\n{self.log.read_text()}"
            if not self.log.exists():
                return False
            this_start = self.log.read_text()[len(log_before):]  # the log file is appended
            if "Server is ready" not in this_start:
                return False
            if self.port is None:
                self.port = int(re.search(r"Listening for client connections on 127\.0\.0\.1:(\d+)",
                                          this_start).group(1))
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            except OSError:
                return False
            return True
        wait_for(ready, 20, "nats-server to listen")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Worker:
    """`polyscore worker` with the given models and options; its stderr in a file."""

    def __init__(self, broker: Broker, tmp: Path, models, *options, log_name="worker.log"):
        self.broker, self.models, self.options = broker, models, list(options)
        self.log = tmp / log_name
        self.proc = None
        self.starts = 0

    def command(self):
        cmd = [str(BUILD / "polyscore"), "worker", "--nats", self.broker.url]
        for name, path in self.models.items():
            cmd += ["--model", f"{name}={path}"]
        return cmd + self.options

    def start(self):
        self.starts += 1
        with open(self.log, "a") as log:
            log.write(f"---- start {self.starts}\n")
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"))
        ready_lines = self.starts

        def ready():
            assert self.proc.poll() is None, f"worker exited:\n{self.text()}"
            return self.text().count("polyscore-worker: ready") >= ready_lines
        wait_for(ready, 20, "the worker to be ready")

    def text(self):
        return self.log.read_text()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """SIGTERM; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            return self.proc.wait(20)
        return self.proc.returncode if self.proc else None


# ---- messages

def named_rows_request(request_id, model, rows, output=scoring_pb2.OUTPUT_KIND_MARGIN):
    """A QueueRequest of rows by feature name (each a dict): a str value goes to the
    row's categories (a category by its text), anything else to its features."""
    req = scoring_pb2.PredictRequest(model=model, output=output)
    for cells in rows:
        row = req.named_rows.add()
        for name, v in cells.items():
            if isinstance(v, str):
                row.categories[name] = v
            else:
                row.features[name] = v
    return queue_pb2.QueueRequest(request_id=request_id, request=req)


def predict_request(request_id, model, rows, *, dtype="float64", output=0,
                    iterations=None, version="", base_margin=(), shap_algorithm=0):
    """A QueueRequest for a list of rows (each a list of floats); base_margin: the
    per-row margin offsets, flat; shap_algorithm: a ShapAlgorithm (0: the default)."""
    req = scoring_pb2.PredictRequest(model=model, version=version, rows=len(rows),
                                     cols=len(rows[0]) if rows else 0, output=output,
                                     base_margin=base_margin, shap_algorithm=shap_algorithm)
    flat = [v for row in rows for v in row]
    if dtype == "float32":
        req.float32_values.extend(flat)
    else:
        req.float64_values.extend(flat)
    if iterations:
        req.iterations.begin, req.iterations.end = iterations
    return queue_pb2.QueueRequest(request_id=request_id, request=req)


def run(coroutine):
    return asyncio.run(coroutine)


async def connect(broker):
    nc = await nats.connect(broker.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    return nc, nc.jetstream()


async def publish_requests(broker, messages):
    """Publishes (request_id, bytes) pairs to the requests stream, each with
    Nats-Msg-Id = request id so a publisher's retry is stored once too."""
    nc, js = await connect(broker)
    try:
        for request_id, data in messages:
            headers = {"Nats-Msg-Id": request_id} if request_id else None
            await js.publish(REQUESTS, data, headers=headers, stream=REQUESTS_STREAM)
    finally:
        await nc.close()


async def read_stream(broker, stream):
    """Every message in a stream, in order, as (headers, data)."""
    nc, js = await connect(broker)
    try:
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(stream, seq)
            except nats.js.errors.NotFoundError:  # removed (acknowledged work)
                continue
            out.append((msg.headers or {}, msg.data))
        return out
    finally:
        await nc.close()


async def stream_count(broker, stream):
    nc, js = await connect(broker)
    try:
        return (await js.stream_info(stream)).state.messages
    finally:
        await nc.close()


async def consumer_state(broker):
    nc, js = await connect(broker)
    try:
        info = await js.consumer_info(REQUESTS_STREAM, CONSUMER)
        return info
    finally:
        await nc.close()


def results_by_id(broker):
    """request id -> list of QueueResult recorded for it."""
    out = {}
    for _, data in run(read_stream(broker, RESULTS_STREAM)):
        result = queue_pb2.QueueResult.FromString(data)
        out.setdefault(result.request_id, []).append(result)
    return out


def wait_until_drained(broker, expected_outcomes, timeout=60):
    """Waits until results + dead letters reach expected_outcomes and the consumer has
    nothing pending or unacknowledged."""
    def done():
        n = run(stream_count(broker, RESULTS_STREAM)) + run(stream_count(broker, DEAD_LETTER_STREAM))
        if n < expected_outcomes:
            return False
        info = run(consumer_state(broker))
        return info.num_pending == 0 and info.num_ack_pending == 0
    wait_for(done, timeout, f"{expected_outcomes} results and dead letters")


def cli_scores(rows, tmp: Path, model=FRAUD_MODEL):
    """What the C library says for these rows, through the CLI (shortest round-trip
    doubles, so float() gives the exact value back)."""
    csv = tmp / "rows.csv"
    csv.write_text("".join(",".join(repr(v) for v in row) + "\n" for row in rows))
    out = subprocess.run([str(BUILD / "polyscore"), "predict", str(model), "--input", str(csv)],
                         check=True, capture_output=True, text=True).stdout
    return [[float(v) for v in line.split(",")] for line in out.splitlines()]
