"""Runs score.py as a user would and checks it against examples/fraud/expected.csv."""
import csv
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SCRIPT = HERE / "score.py"
ROOT = HERE.parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("POLYSCORE_BUILD_DIR", ROOT / "build"))

with open(HERE.parent / "expected.csv") as f:
    EXPECTED = [(float(r["amount_zscore"]), float(r["velocity"]), float(r["probability"]))
                for r in csv.DictReader(f)]


def run(*args):
    env = dict(os.environ)
    if not env.get("POLYSCORE_LIBRARY"):
        env["POLYSCORE_LIBRARY"] = str(BUILD_DIR / "libpolyscore.so.1")
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=60)


def parsed(stdout):
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def test_default_row():
    r = run()
    assert r.returncode == 0, r.stderr
    out = parsed(r.stdout)
    amount, velocity, probability = EXPECTED[0]
    assert (amount, velocity) == (0.4, 1.2)
    assert float(out["score"]) == pytest.approx(probability, rel=1e-6)
    assert out["label"] == "fraud"


@pytest.mark.parametrize("amount,velocity,probability", EXPECTED)
def test_expected_rows(amount, velocity, probability):
    r = run(amount, velocity)
    assert r.returncode == 0, r.stderr
    out = parsed(r.stdout)
    assert float(out["score"]) == pytest.approx(probability, rel=1e-6)
    assert out["label"] == ("fraud" if probability >= 0.5 else "legit")


@pytest.mark.parametrize("args", [("1.0",), ("1", "2", "3"), ("abc", "1")])
def test_bad_arguments(args):
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == "" and r.stderr
