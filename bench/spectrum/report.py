"""Turns the spectrum benchmark's measurements (JSON lines from spectrum_client and
py_inprocess.py) into results.md and results.png: for each model, point and batch size,
the median over repeats with the lowest and highest repeat.

    python report.py RAW.jsonl --out DIR --command CMD --machine TEXT --load TEXT
        --commit SHA --elapsed SECONDS --repeats N --seconds S --clients N
"""
import argparse
import json
import os
import statistics
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# From a function call to a queue: the order of the chart's x axis and the tables.
SPECTRUM = [
    "C in-process",
    "Go in-process",
    "Java in-process",
    "Python in-process",
    "Node in-process",
    "gRPC v1 unary, Unix socket",
    "gRPC v1 stream, TCP",
    "gRPC v1 unary, TCP",
    "gRPC fraud.v1, TCP",
    "OIP gRPC, TCP",
    "REST /predict",
    "REST /v1/predict",
    "OIP REST",
    "NATS request-reply",
    "JetStream end to end",
]
FIELDS = ["p50_us", "p99_us", "server_cpu_us_per_call", "client_cpu_us_per_call",
          "throughput_rows_per_s"]


def fmt(x):
    if x is None:
        return ""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell(values, scale=1.0):
    """median (lowest-highest) of the repeats, or the one value."""
    values = [v * scale for v in values if v is not None]
    if not values:
        return ""
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--out", required=True)
    for flag in ["--command", "--machine", "--load", "--commit", "--elapsed", "--repeats",
                 "--seconds", "--clients"]:
        ap.add_argument(flag, required=True)
    args = ap.parse_args()

    rows = [json.loads(line) for line in open(args.raw) if line.strip()]
    by = defaultdict(lambda: defaultdict(list))  # (model, point, batch) -> field -> repeats
    for r in rows:
        if r["point"] not in SPECTRUM:
            raise SystemExit(f"report: unknown point {r['point']!r}")
        for f in FIELDS:
            by[(r["model"], r["point"], r["batch"])][f].append(r[f])
    models = list(dict.fromkeys(r["model"] for r in rows))
    batches = sorted({r["batch"] for r in rows})

    md = [
        "# The interop spectrum, measured",
        "",
        f"Made by `{args.command}` at {args.commit}: {args.machine}; load average {args.load};"
        f" {args.elapsed} s. Every point scored the same rows of each model, checked bit for bit"
        " against the in-process C result before it was timed.",
        "",
        f"Each figure is the median of {args.repeats} repeat(s) with the lowest and highest in"
        " brackets. Per repeat: **latency**, one client making one call at a time for"
        f" {args.seconds} s (p50, p99 per call, µs; per row = p50 ÷ batch); **CPU**, the"
        " server-side processes' CPU time (/proc/PID/stat: polyscore-serve, or polyscore-worker"
        " plus nats-server for the queue points) and the client thread's, over those calls,"
        " ÷ calls (the server's is counted in 10 ms ticks: small figures are coarse);"
        f" **throughput**, {args.clients} concurrent clients, each with its own connection,"
        f" for {args.seconds} s, rows scored per second. Client and servers share the cores.",
        "",
        "![latency along the spectrum](results.png)",
        "",
    ]
    for model in models:
        md += [f"## {model}", ""]
        md += ["| point | batch | p50 µs | p99 µs | p50 µs per row | server CPU µs per call |"
               " client CPU µs per call | rows/s, concurrent |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for point in SPECTRUM:
            for batch in batches:
                d = by.get((model, point, batch))
                if not d:
                    continue
                md.append(f"| {point} | {batch} | {cell(d['p50_us'])} | {cell(d['p99_us'])} |"
                          f" {cell(d['p50_us'], 1.0 / batch)} | {cell(d['server_cpu_us_per_call'])} |"
                          f" {cell(d['client_cpu_us_per_call'])} | {cell(d['throughput_rows_per_s'])} |")
        md.append("")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(md))

    fig, axes = plt.subplots(1, len(models), figsize=(7 * len(models), 6), squeeze=False)
    for ax, model in zip(axes[0], models):
        points = [p for p in SPECTRUM if any((model, p, b) in by for b in batches)]
        for batch in batches:
            xs, ys = [], []
            for i, point in enumerate(points):
                d = by.get((model, point, batch))
                if d:
                    xs.append(i)
                    ys.append(statistics.median(d["p50_us"]))
            ax.plot(xs, ys, marker="o", label=f"batch {batch}")
        ax.set_yscale("log")
        ax.set_xticks(range(len(points)))
        ax.set_xticklabels(points, rotation=55, ha="right", fontsize=8)
        ax.set_ylabel("p50 latency per call, µs (log)")
        ax.set_title(f"{model}: function call → queue")
        ax.grid(True, which="both", axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"polyscore, the same rows at every boundary ({args.machine[:60]})", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "results.png"), dpi=110)


if __name__ == "__main__":
    main()
