import pytest

from harness import FRAUD_MODEL, Broker, Worker


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def make_worker(broker, tmp_path):
    """make_worker(*options, models=None) -> a started Worker; all stopped at the end.
    models: {name: path} given as --model flags (default the fraud model; {} for none)."""
    workers = []

    def make(*options, models=None, start=True):
        w = Worker(broker, tmp_path, {"fraud-v3": FRAUD_MODEL} if models is None else models, *options,
                   log_name=f"worker{len(workers)}.log")
        workers.append(w)
        if start:
            w.start()
        return w
    yield make
    for w in workers:
        if w.proc and w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()
