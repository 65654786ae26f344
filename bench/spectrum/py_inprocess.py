"""The spectrum benchmark's in-process Python point: polyscore.Model.predict (the ctypes
binding of this work tree) on the same rows spectrum_client scored (its --rows-out file),
measured the way spectrum_client measures every point: first a bit-for-bit check against
the C result (the .ref file beside the rows), then one caller for
--seconds (p50, p99; this thread's CPU time) and --clients threads for --seconds
(throughput). Prints one JSON line per batch size and repeat, progress on stderr.

    python py_inprocess.py --model-file F --model NAME --rows FILE --batches 1,16 \
        --repeats 3 --seconds 0.4 --clients 4
"""
import argparse
import json
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "bindings", "python", "src"))
import polyscore  # noqa: E402

POINT = "Python in-process"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-file", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--batches", default="1,16,256,1000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=0.4)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()

    model = polyscore.Model.load(args.model_file)
    cols = model.info.num_features
    rows = np.fromfile(args.rows, dtype=np.float64).reshape(-1, cols)
    batches = [int(b) for b in args.batches.split(",")]
    reference = np.fromfile(args.rows + ".ref", dtype=np.float64)  # the C scores of these rows

    for repeat in range(1, args.repeats + 1):
        for batch in batches:
            X = np.ascontiguousarray(rows[:batch])
            got = np.asarray(model.predict(X)).ravel()
            if got.shape != (batch,) or got.tobytes() != reference[:batch].tobytes():
                sys.exit(f"py_inprocess: batch {batch}: scores differ from the C library's")
            for _ in range(5):
                model.predict(X)
            us = []
            cpu0 = time.thread_time()
            start = time.perf_counter()
            while len(us) < 5 or (time.perf_counter() - start < args.seconds and len(us) < 200000):
                t0 = time.perf_counter_ns()
                model.predict(X)
                us.append((time.perf_counter_ns() - t0) / 1000.0)
            cpu = time.thread_time() - cpu0
            us.sort()

            def at(q):
                return us[min(len(us) - 1, int(q * len(us)))]

            calls = [0] * args.clients
            stop = threading.Event()
            go = threading.Barrier(args.clients + 1)

            def client(i):
                go.wait()
                n = 0
                while not stop.is_set():
                    model.predict(X)
                    n += 1
                calls[i] = n
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            for t in threads:
                t.start()
            go.wait()
            t0 = time.perf_counter()
            time.sleep(args.seconds)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            total = sum(calls)
            print(json.dumps({
                "model": args.model, "point": POINT, "batch": batch, "repeat": repeat,
                "calls": len(us), "p50_us": at(0.5), "p99_us": at(0.99),
                "server_cpu_us_per_call": None, "client_cpu_us_per_call": 1e6 * cpu / len(us),
                "clients": args.clients, "throughput_calls_per_s": total / elapsed,
                "throughput_rows_per_s": total * batch / elapsed}), flush=True)
            print(f"  {args.model:9s} {POINT:26s} batch {batch:4d}  repeat {repeat}  p50 {at(0.5):9.1f} us"
                  f"  p99 {at(0.99):9.1f} us  {total * batch / elapsed:10.0f} rows/s ({args.clients} clients)",
                  file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
