"""Many load/predict/close cycles keep memory flat (RSS from /proc/self/statm)."""
import gc

import numpy as np
import pytest

import polyscore
from vectors_util import FRAUD_MODEL, VECTORS, rss_bytes

CYCLES = 1000
BOUND = 8 * 1024 * 1024  # a leak of the model (~100 KB of JSON) per cycle would be ~100 MB


def measure(cycle, warmup=100):
    for i in range(warmup):
        cycle(i)
    gc.collect()
    before = rss_bytes()
    for i in range(CYCLES):
        cycle(i)
    gc.collect()
    return rss_bytes() - before


def test_load_predict_close_cycles():
    X = np.random.default_rng(1).normal(size=(64, 2))

    def cycle(i):
        with polyscore.Model.load(FRAUD_MODEL) as m:
            m.predict(X)
            m.predict(X, output="leaf")
            m.predict_row(X[i % 64])
            m.info

    growth = measure(cycle)
    assert growth < BOUND, "RSS grew %d bytes over %d cycles" % (growth, CYCLES)


def test_load_buffer_and_unclosed_models():
    data = (VECTORS / "models" / "lgb4_multiclass.txt").read_bytes()
    X = np.zeros((16, 5))

    def cycle(i):
        m = polyscore.Model.load_buffer(data)  # no close(): __del__ frees it
        m.predict(X)

    growth = measure(cycle)
    assert growth < BOUND, "RSS grew %d bytes over %d cycles" % (growth, CYCLES)


def test_error_paths(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(FRAUD_MODEL.read_bytes()[:5000])

    def cycle(i):
        for path in (bad, tmp_path / "missing.json"):
            with pytest.raises(polyscore.Error):
                polyscore.Model.load(path)
        with polyscore.Model.load(FRAUD_MODEL) as m:
            with pytest.raises(polyscore.ShapeError):
                m.predict(np.zeros((2, 5)))
        with pytest.raises(polyscore.InvalidHandleError):
            m.predict(np.zeros((2, 2)))

    growth = measure(cycle)
    assert growth < BOUND, "RSS grew %d bytes over %d cycles" % (growth, CYCLES)
