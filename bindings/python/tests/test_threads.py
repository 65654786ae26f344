"""One model used from many threads: exact results; close() while others predict
never crashes (each call completes or raises InvalidHandleError)."""
import ctypes
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import polyscore
from polyscore import _model
from vectors_util import CASES_BY_NAME, VECTORS, case_input

THREADS = 8


def test_many_threads_exact():
    case = CASES_BY_NAME["xgb3_multi_softprob"]
    X = np.resize(case_input(case), (2000, case["num_features"]))
    X32 = X.astype(np.float32)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        expected = {o: m.predict(X, output=o) for o in ("value", "margin", "leaf")}
        expected_rows = [m.predict_row(row) for row in X[:20]]

        def work(i):
            results = []
            for rep in range(30):
                o = ("value", "margin", "leaf")[(i + rep) % 3]
                results.append((o, m.predict(X, output=o)))
                results.append((o, m.predict(X32, output=o, num_threads=2)))
            rows = [m.predict_row(row) for row in X[:20]]
            return results, rows

        with ThreadPoolExecutor(THREADS) as pool:
            for results, rows in pool.map(work, range(THREADS * 2)):
                for o, got in results:
                    np.testing.assert_array_equal(got, expected[o])
                for got, want in zip(rows, expected_rows):
                    np.testing.assert_array_equal(got, want)


def test_threads_run_in_parallel_without_the_gil():
    """ctypes releases the GIL during the C call: a long predict does not block a
    Python thread."""
    case = CASES_BY_NAME["lgb4_bigish_binary"]
    X = np.resize(case_input(case), (400_000, 8))
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        ticks = []
        done = threading.Event()

        def ticker():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)

        t = threading.Thread(target=ticker)
        t.start()
        start = time.perf_counter()
        m.predict(X)
        end = time.perf_counter()
        done.set()
        t.join()
        during = [x for x in ticks if start < x < end]
        if end - start > 0.05:
            assert len(during) >= 3, (end - start, len(during))


@pytest.mark.parametrize("max_trees,holds_gil", [(_model._ROW_GIL_HELD_MAX_TREES, True), (0, False)],
                         ids=["small model: GIL kept", "big model: GIL released"])
def test_predict_row_keeps_the_gil_only_for_small_models(monkeypatch, max_trees, holds_gil):
    """predict_row's C call keeps the GIL on a model of at most _ROW_GIL_HELD_MAX_TREES
    trees (50 here) and releases it on bigger ones (forced by lowering the limit); both
    give the batch's results, from several threads at once."""
    monkeypatch.setattr(_model, "_ROW_GIL_HELD_MAX_TREES", max_trees)
    case = CASES_BY_NAME["lgb4_bigish_binary"]
    X = np.resize(case_input(case), (200, case["num_features"]))
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        assert m.info.num_trees == 50
        want = m.predict(X)
        m.predict_row(X[0])  # makes the hot path's plan
        assert bool(m._row_fn._flags_ & ctypes._FUNCFLAG_PYTHONAPI) == holds_gil
        with ThreadPoolExecutor(THREADS) as pool:
            got = list(pool.map(m.predict_row, X))
        np.testing.assert_array_equal(np.concatenate(got), want)


def test_close_while_predicting():
    case = CASES_BY_NAME["lgb4_bigish_binary"]
    X = np.resize(case_input(case), (20_000, 8))
    for attempt in range(5):
        m = polyscore.Model.load(VECTORS / case["model"])
        expected = m.predict(X)
        outcomes = []
        lock = threading.Lock()
        started = threading.Barrier(THREADS + 1)

        def work():
            started.wait()
            completed = 0
            while True:
                try:
                    row = completed % len(X)
                    got = m.predict(X) if completed % 2 else m.predict_row(X[row])
                except polyscore.InvalidHandleError as e:
                    assert e.code == polyscore.PS_ERR_INVALID_HANDLE
                    with lock:
                        outcomes.append(("closed", completed))
                    return
                if completed % 2:
                    np.testing.assert_array_equal(got, expected)
                else:
                    assert got[0] == expected[row]
                completed += 1

        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(work) for _ in range(THREADS)]
            started.wait()
            time.sleep(0.02 * (attempt + 1))
            m.close()
            for f in futures:
                f.result(timeout=60)  # re-raises a wrong result or a wrong exception
        assert len(outcomes) == THREADS
        m.close()


def test_close_from_many_threads_at_once():
    m = polyscore.Model.load(VECTORS / "models" / "lgb4_binary.txt")
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda _: m.close(), range(THREADS * 4)))
    assert m.closed
