"""`polyscore predict --header`: the header line names the columns, matched to the
model's feature names in any order (src/cli/csv_reader.cc)."""
import math

import pytest

from cli_util import CASES, FRAUD_MODEL, VECTORS


def read_rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split(",") for line in f if line.strip()]


def write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header)] + [",".join(row) for row in rows]) + "\n")


def parse(stdout):
    return [[float(v) for v in line.split(",")] for line in stdout.splitlines()]


def close(expected, actual):
    if math.isnan(expected):
        return math.isnan(actual)
    return expected == actual or abs(expected - actual) <= 1e-6 * max(abs(expected), abs(actual))


@pytest.mark.parametrize("name", ["lgb4_binary", "lgb3_multiclass"])
def test_columns_in_any_order_match_the_library(cli, tmp_path, name):
    """A LightGBM model's columns (Column_0 ...) given in reverse order with a header
    score as LightGBM scored them in the model's order."""
    case = CASES[name]
    rows = read_rows(VECTORS / case["input"])
    n = case["num_features"]
    order = list(reversed(range(n)))
    csv = tmp_path / "rows.csv"
    write_csv(csv, ["Column_%d" % j for j in order], [[row[j] for j in order] for row in rows])
    r = cli("predict", VECTORS / case["model"], "--input", csv, "--header")
    assert r.returncode == 0, r.stderr
    expected = [[float(v) for v in row] for row in read_rows(VECTORS / case["outputs"]["value"]["file"])]
    got = parse(r.stdout)
    assert len(got) == len(expected)
    for i, (e, g) in enumerate(zip(expected, got)):
        assert all(close(a, b) for a, b in zip(e, g)), "row %d: expected %r got %r" % (i, e, g)


def test_reordered_header_scores_as_the_model_order(cli, tmp_path):
    ordered = tmp_path / "ordered.csv"
    ordered.write_text("amount_zscore,velocity\n0.4,1.2\n-2,0.5\n,3\n")
    swapped = tmp_path / "swapped.csv"
    swapped.write_text(" velocity , amount_zscore\r\n1.2,0.4\n0.5,-2\n3,\n")
    a = cli("predict", FRAUD_MODEL, "--input", ordered, "--header")
    b = cli("predict", FRAUD_MODEL, "--input", swapped, "--header")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout
    assert len(set(a.stdout.splitlines())) == 3
    # --skip-header reads the swapped file by position: other scores
    c = cli("predict", FRAUD_MODEL, "--input", swapped, "--skip-header")
    assert c.returncode == 0, c.stderr
    assert c.stdout != a.stdout


@pytest.mark.parametrize("header,message", [
    ("amount_zscore", "missing column 'velocity'"),
    ("amount_zscore,velocity,amount", "unexpected column 'amount'"),
    ("amount_zscore,speed", "missing column 'velocity'; unexpected column 'speed'"),
    ("x,y", "missing columns 'amount_zscore', 'velocity'; unexpected columns 'x', 'y'"),
    ("velocity,velocity", "duplicate columns 'velocity'"),
])
def test_missing_or_unexpected_column_is_an_error(cli, tmp_path, header, message):
    rows = tmp_path / "rows.csv"
    rows.write_text(header + "\n" + ",".join(["0.5"] * len(header.split(","))) + "\n")
    r = cli("predict", FRAUD_MODEL, "--input", rows, "--header")
    assert r.returncode == 1
    assert "line 1 (the header)" in r.stderr
    assert message in r.stderr
    if "duplicate" not in message:
        assert "the model's features (amount_zscore, velocity)" in r.stderr
    assert r.stdout == ""


def test_empty_input_with_header_is_an_error(cli, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("")
    r = cli("predict", FRAUD_MODEL, "--input", rows, "--header")
    assert r.returncode == 1
    assert "--header expects a first line naming the columns" in r.stderr


def test_header_only_scores_no_rows(cli, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("velocity,amount_zscore\n")
    r = cli("predict", FRAUD_MODEL, "--input", rows, "--header")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""


def test_lightgbm_name_with_spaces(cli, tmp_path):
    """LightGBM saved the training column "age days" as "age_days"; a header spelled
    either way matches it (as the Python binding's DataFrame path does)."""
    model = VECTORS / "frames" / "lgb4_frame_binary.txt"
    info = cli("info", model)
    assert "age_days" in info.stdout
    names = [line.split(": ", 1)[1] for line in info.stdout.splitlines()
             if line.startswith("feature names:")][0].split(",")
    spaced = ["age days" if n == "age_days" else n for n in names]
    values = ",".join(["1"] * len(names))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(",".join(names) + "\n" + values + "\n")
    b.write_text(",".join(reversed(spaced)) + "\n" + values + "\n")
    ra = cli("predict", model, "--input", a, "--header")
    rb = cli("predict", model, "--input", b, "--header")
    assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
    assert ra.stdout == rb.stdout


def test_model_without_names_reads_header_by_position(cli, tmp_path):
    """An XGBoost model trained on a plain array names no features: --header skips the
    header line and the columns are taken in the model's order."""
    case = CASES["xgb3_binary_logistic"]
    info = cli("info", VECTORS / case["model"])
    assert "feature names" not in info.stdout
    rows = read_rows(VECTORS / case["input"])
    csv = tmp_path / "rows.csv"
    write_csv(csv, ["whatever%d" % j for j in range(case["num_features"])], rows)
    r = cli("predict", VECTORS / case["model"], "--input", csv, "--header")
    assert r.returncode == 0, r.stderr
    plain = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"])
    assert r.stdout == plain.stdout


def test_help_explains_header(cli):
    r = cli("--help")
    assert "--header" in r.stdout and "--skip-header" in r.stdout
    assert "feature names" in r.stdout
