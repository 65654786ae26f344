"""`polyscore predict --base-margin OFFSETS.csv`: per-row margin offsets (XGBoost's
base_margin), checked against tests/vectors/offsets (made by the training libraries)."""
import json
import math

import pytest

from cli_util import VECTORS

OFFSETS = VECTORS / "offsets"
with open(OFFSETS / "manifest.json") as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}


def parse(stdout):
    return [[float(v) for v in line.split(",")] for line in stdout.splitlines()]


def read_csv(path):
    with open(path) as f:
        return [[float(v) for v in line.strip().split(",")] for line in f if line.strip()]


def same(expected, actual):
    # XGBoost's outputs are float32, exact in double; LightGBM's value is numpy's exp.
    if math.isnan(expected):
        return math.isnan(actual)
    return expected == actual or abs(expected - actual) <= 4e-16 * max(abs(expected), abs(actual))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("output", ["value", "margin", "contrib"])
def test_base_margin_matches_the_library(cli, name, output):
    case = CASES[name]
    if output not in case["outputs"]:
        pytest.skip("no %s vector for %s" % (output, name))  # XGBoost 3.3+: no contrib vectors
    args = ("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"], "--output", output)
    r = cli(*args, "--base-margin", OFFSETS / case["base_margin"])
    assert r.returncode == 0, r.stderr
    expected = read_csv(OFFSETS / case["outputs"][output]["file"])
    got = parse(r.stdout)
    assert len(got) == len(expected)
    for i, (e_row, g_row) in enumerate(zip(expected, got)):
        assert len(e_row) == len(g_row)
        for j, (e, g) in enumerate(zip(e_row, g_row)):
            assert same(e, g), "row %d col %d: expected %r got %r" % (i, j, e, g)
    # Without the offsets the model's base score is used: other numbers.
    plain = parse(cli(*args).stdout)
    assert sum(not same(e, g) for e_row, g_row in zip(expected, plain) for e, g in zip(e_row, g_row)) > len(got) // 2


def test_base_margin_rows_must_match_the_input(cli, tmp_path):
    case = CASES["xgb3_offset_binary"]
    short = tmp_path / "short.csv"
    short.write_text("".join(open(OFFSETS / case["base_margin"]).readlines()[:-1]))
    r = cli("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"], "--base-margin", short)
    assert r.returncode == 1
    assert "has 39 rows but the input has 40" in r.stderr
    assert r.stdout == ""


def test_base_margin_needs_one_value_per_margin(cli, tmp_path):
    case = CASES["xgb3_offset_softprob"]
    one_per_row = tmp_path / "one.csv"
    one_per_row.write_text("0.5\n" * 40)
    r = cli("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"], "--base-margin", one_per_row)
    assert r.returncode == 1
    assert "one value per margin, 3 per line" in r.stderr and "line 1" in r.stderr


def test_base_margin_with_leaf_output_is_refused(cli):
    case = CASES["xgb3_offset_binary"]
    r = cli("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"], "--output", "leaf",
            "--base-margin", OFFSETS / case["base_margin"])
    assert r.returncode == 1
    assert "PS_OUTPUT_LEAF" in r.stderr


def test_base_margin_missing_file_and_value(cli, tmp_path):
    case = CASES["xgb3_offset_binary"]
    r = cli("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"],
            "--base-margin", tmp_path / "absent.csv")
    assert r.returncode == 1 and "cannot open --base-margin" in r.stderr
    r = cli("predict", OFFSETS / case["model"], "--input", OFFSETS / case["input"], "--base-margin")
    assert r.returncode != 0 and "--base-margin needs a CSV file" in r.stderr
