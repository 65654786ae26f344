"""The polyscore CLI (src/cli/main.cc), run as a program."""
import math

import numpy as np
import pytest

from cli_util import CASES, FRAUD_MODEL, VECTORS


def parse(stdout):
    return [[float(v) for v in line.split(",")] for line in stdout.splitlines()]


def read_csv(path):
    with open(path) as f:
        return [[float(v) for v in line.strip().split(",")] for line in f if line.strip()]


def close(expected, actual, rel):
    if math.isnan(expected):
        return math.isnan(actual)
    return expected == actual or abs(expected - actual) <= rel * max(abs(expected), abs(actual))


# A few cases of each library and format, float32 inputs, multi-output, categorical, and
# what XGBoost 3.4.1 writes otherwise (DART's layout, expectiles, vector-leaf categories).
SAMPLE = ["xgb3_binary_logistic", "xgb1_binary_logistic", "xgb3_binary_logistic_ubj",
          "xgb3_multi_softprob", "xgb1_categorical_partition", "xgb3_gblinear",
          "xgb3_binary_logistic_f32", "lgb4_binary", "lgb3_multiclass", "lgb4_categorical",
          "lgb4_rf", "lgb3_regression", "lgb4_binary_f32", "xgb34_dart_ubj",
          "xgb34_reg_expectileerror_multi", "xgb34_categorical_multi_output_tree"]


@pytest.mark.parametrize("name", SAMPLE)
@pytest.mark.parametrize("output", ["value", "margin", "leaf", "contrib", "interactions"])
def test_predict_matches_vectors(cli, name, output):
    case = CASES[name]
    # Interaction values have an entry of their own, made for the first rows of the input.
    spec = case.get("interactions") if output == "interactions" else case["outputs"].get(output)
    if spec is None:
        pytest.skip("no %s output for %s" % (output, name))
    r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"],
            "--output", output)
    assert r.returncode == 0, r.stderr
    got = parse(r.stdout)
    assert len(got) == len(read_csv(VECTORS / case["input"]))
    expected = read_csv(VECTORS / spec["file"])
    got = got[:len(expected)]
    assert len(got) == len(expected) == spec["shape"][0]
    rel = 1e-5 if case["dtype"] == "float32" else 1e-6
    for i, (g, e) in enumerate(zip(got, expected)):
        assert len(g) == len(e) == spec["shape"][1]
        for j, (a, b) in enumerate(zip(e, g)):
            assert close(a, b, rel), "row %d col %d: expected %r got %r" % (i, j, a, b)
    if output == "leaf":
        assert all(v == int(v) for row in got for v in row)


@pytest.mark.parametrize("name", ["xgb3_multi_softprob", "lgb4_binary", "xgb1_dart"])
def test_output_round_trips_exactly(cli, name):
    """The printed text reads back as exactly the double the library computed (the
    Python binding calls the same library with the same float64 rows)."""
    polyscore = pytest.importorskip("polyscore")
    case = CASES[name]
    X = np.loadtxt(VECTORS / case["input"], delimiter=",", ndmin=2)
    with polyscore.Model.load(VECTORS / case["model"]) as m:
        for output in ("value", "margin"):
            r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"],
                    "--output", output)
            assert r.returncode == 0, r.stderr
            direct = m.predict(X, output=output).reshape(len(X), -1)
            np.testing.assert_array_equal(np.array(parse(r.stdout)), direct)


def test_fraud_example(cli):
    r = cli("predict", FRAUD_MODEL, "--input", FRAUD_MODEL.parent / "rows.csv", "--header")
    assert r.returncode == 0, r.stderr
    with open(FRAUD_MODEL.parent / "expected.csv") as f:
        expected = [float(line.split(",")[2]) for line in f.readlines()[1:] if line.strip()]
    got = [row[0] for row in parse(r.stdout)]
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert close(e, g, 1e-6)


@pytest.mark.parametrize("flag,header_line", [("--header", "amount_zscore,velocity"),
                                              ("--skip-header", "h1,h2")])
def test_header_skips_first_line(cli, tmp_path, flag, header_line):
    rows = tmp_path / "rows.csv"
    rows.write_text(header_line + "\n0.4,1.2\n0.0,0.5\n")
    r = cli("predict", FRAUD_MODEL, "--input", rows, flag)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 2
    plain = tmp_path / "plain.csv"
    plain.write_text("0.4,1.2\n0.0,0.5\n")
    assert cli("predict", FRAUD_MODEL, "--input", plain).stdout == r.stdout
    # without --header the header line is a broken row
    r = cli("predict", FRAUD_MODEL, "--input", rows)
    assert r.returncode == 1
    assert "line 1, field 1: '%s' is not a number" % header_line.split(",")[0] in r.stderr


def test_missing_values(cli, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(",1.2\nnan,1.2\nNaN,1.2\n 0.4 , 1.2 \r\n\n0.4,1.2\n")
    r = cli("predict", FRAUD_MODEL, "--input", rows)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 5  # the blank line is skipped
    assert lines[0] == lines[1] == lines[2]  # empty, nan, NaN: all missing
    assert lines[3] == lines[4]  # spaces and CR around numbers are ignored
    assert lines[0] != lines[4]


def test_all_missing_row_matches_vectors(cli, tmp_path):
    """The vectors' NaN rows (written `nan`) score as the library did."""
    case = CASES["xgb3_binary_logistic"]
    r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"])
    X = read_csv(VECTORS / case["input"])
    expected = read_csv(VECTORS / case["outputs"]["value"]["file"])
    nan_rows = [i for i, row in enumerate(X) if all(math.isnan(v) for v in row)]
    assert nan_rows
    got = parse(r.stdout)
    for i in nan_rows:
        assert close(expected[i][0], got[i][0], 1e-6)


@pytest.mark.parametrize("text,header,message", [
    ("0.4,1.2\n0.1,abc\n", False, "line 2, field 2: 'abc' is not a number"),
    ("0.4,1.2\n\n0.1,1x\n", False, "line 3, field 2: '1x' is not a number"),
    ("amount_zscore,velocity\n0.4,1.2\n0.1,2,3\n", True, "line 3 has 3 fields but the model expects 2"),
    ("0.4\n", False, "line 1 has 1 fields but the model expects 2"),
    ("0.4,1.2,\n", False, "line 1 has 3 fields but the model expects 2"),
    ("0.4;1.2\n", False, "line 1, field 1: '0.4;1.2' is not a number"),
    ("+-5,1\n", False, "line 1, field 1: '+-5' is not a number"),
    ("0.4,1e400\n", False, "line 1, field 2: '1e400' is out of the range of a double"),
])
def test_broken_row(cli, tmp_path, text, header, message):
    rows = tmp_path / "rows.csv"
    rows.write_text(text)
    r = cli("predict", FRAUD_MODEL, "--input", rows, *(["--header"] if header else []))
    assert r.returncode == 1
    assert message in r.stderr
    assert r.stdout == ""  # nothing printed for the rows before the broken one


def test_threads_same_result(cli):
    case = CASES["lgb4_bigish_binary"]
    args = ("predict", VECTORS / case["model"], "--input", VECTORS / case["input"])
    one = cli(*args, "--threads", "1")
    assert one.returncode == 0
    for n in ("0", "2", "7"):
        assert cli(*args, "--threads", n).stdout == one.stdout


def test_stdin_input(cli):
    r = cli("predict", FRAUD_MODEL, "--input", "-", input="0.4,1.2\n")
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(0.8551127314567566, rel=1e-12)


def test_missing_model(cli, tmp_path):
    missing = tmp_path / "nope.json"
    rows = tmp_path / "rows.csv"
    rows.write_text("0.4,1.2\n")
    for args in (("predict", missing, "--input", rows), ("info", missing)):
        r = cli(*args)
        assert r.returncode == 1
        assert "cannot open model file '%s'" % missing in r.stderr
        assert "No such file or directory" in r.stderr
        assert r.stdout == ""


@pytest.mark.parametrize("model,fraction,words", [
    ("xgb3_binary_logistic.json", 0.5, "not valid JSON"),
    ("xgb3_binary_logistic.ubj", 0.5, "not valid UBJSON"),
    ("lgb4_binary.txt", 0.3, "truncated"),
])
def test_corrupt_model(cli, tmp_path, model, fraction, words):
    data = (VECTORS / "models" / model).read_bytes()
    cut = tmp_path / model
    cut.write_bytes(data[:int(len(data) * fraction)])
    r = cli("info", cut)
    assert r.returncode == 1
    assert r.stderr.startswith("polyscore: ") and words in r.stderr


def test_not_a_model(cli):
    r = cli("info", VECTORS / "data" / "lgb4_binary.X.csv")
    assert r.returncode == 1
    assert "unrecognised model format" in r.stderr


def test_missing_input(cli, tmp_path):
    r = cli("predict", FRAUD_MODEL, "--input", tmp_path / "none.csv")
    assert r.returncode == 1
    assert "cannot open input '%s'" % (tmp_path / "none.csv") in r.stderr


def test_empty_input_prints_nothing(cli, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("amount_zscore,velocity\n")
    r = cli("predict", FRAUD_MODEL, "--input", rows, "--header")
    assert (r.returncode, r.stdout) == (0, ""), r.stderr


def test_info(cli):
    r = cli("info", FRAUD_MODEL)
    assert r.returncode == 0, r.stderr
    fields = dict(line.split(":", 1) for line in r.stdout.splitlines())
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["format"] == "xgboost-json"
    assert fields["objective"] == "binary:logistic"
    assert fields["booster"] == "gbtree"
    assert fields["trees"] == "50"
    assert fields["features"] == "2"
    assert fields["outputs"].startswith("1 per row")
    assert fields["feature names"] == "amount_zscore,velocity"


@pytest.mark.parametrize("model,fmt,objective,outputs", [
    ("lgb4_multiclass.txt", "lightgbm-text", "multiclass", "3 per row"),
    ("xgb3_binary_logistic.ubj", "xgboost-ubjson", "binary:logistic", "1 per row"),
])
def test_info_formats(cli, model, fmt, objective, outputs):
    r = cli("info", VECTORS / "models" / model)
    assert r.returncode == 0, r.stderr
    assert "format:      %s\n" % fmt in r.stdout
    assert "objective:   %s" % objective in r.stdout
    assert "outputs:     %s" % outputs in r.stdout


def test_format_option(cli):
    assert cli("info", FRAUD_MODEL, "--format", "xgboost-json").returncode == 0
    r = cli("info", FRAUD_MODEL, "--format", "lightgbm-text")
    assert r.returncode == 1 and r.stderr.startswith("polyscore: ")


def test_format_names_are_the_bindings(cli):
    """The CLI takes and prints the names every binding uses (generated from the header)."""
    r = cli("info", FRAUD_MODEL, "--format", "lightgbm")
    assert r.returncode == 2
    assert "--format must be one of auto, xgboost-json, xgboost-ubjson, lightgbm-text" in r.stderr
    assert "[--output value|margin|leaf|contrib|interactions]" in r.stderr


@pytest.mark.parametrize("args,message", [
    (("frobnicate",), "unknown command 'frobnicate'"),
    (("predict", "MODEL"), "predict needs --input ROWS.csv"),
    (("predict", "M", "--input", "x", "--output", "proba"), "--output must be one of value, margin, leaf, contrib, interactions, not 'proba'"),
    (("predict", "M", "--input", "x", "--threads", "-1"), "--threads must be a non-negative integer"),
    (("predict", "M", "--input", "x", "--threads", "two"), "--threads must be a non-negative integer"),
    (("predict", "M", "--input", "x", "--bogus"), "unknown option '--bogus'"),
    (("info",), "missing MODEL"),
    (("info", "a", "b"), "unexpected argument 'b'"),
    (("info", "M", "--format", "onnx"), "--format must be"),
])
def test_usage_errors(cli, args, message):
    r = cli(*args)
    assert r.returncode == 2
    assert message in r.stderr and "usage:" in r.stderr


def test_help_and_version(cli):
    r = cli("--help")
    assert r.returncode == 0 and r.stdout.startswith("usage:")
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("polyscore ") and "(ABI " in r.stdout


def test_directory_as_input_is_an_error(cli, tmp_path):
    r = cli("predict", FRAUD_MODEL, "--input", tmp_path)
    assert r.returncode == 1
    assert "is a directory" in r.stderr


def test_iteration_range_matches_the_library(cli):
    case = CASES["xgb3_binary_logistic_range_2_7"]
    r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"],
            "--iterations", "%d:%d" % (case["iteration_begin"], case["iteration_end"]))
    assert r.returncode == 0, r.stderr
    expected = read_csv(VECTORS / case["outputs"]["value"]["file"])
    got = parse(r.stdout)
    assert all(close(e[0], g[0], 1e-6) for e, g in zip(expected, got)) and len(got) == len(expected)


@pytest.mark.parametrize("arg", ["2x7", "2:", ":7", "-1:3"])
def test_bad_iteration_range_is_a_usage_error(cli, arg):
    r = cli("predict", FRAUD_MODEL, "--input", "-", "--iterations", arg)
    assert r.returncode == 2
    assert "--iterations needs BEGIN:END" in r.stderr
