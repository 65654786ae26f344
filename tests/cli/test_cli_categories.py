"""`polyscore predict --input rows.csv`: a cell that is not a number, in a column with
training categories, is a category value coded as the training library codes it
(src/feature_columns/category_codes.h, shared with the server and the worker); and
`polyscore info` prints the category lists."""
import json

import pytest

from cli_util import VECTORS

FRAMES = VECTORS / "frames"
XGB3 = json.loads((FRAMES / "xgb3_frame_binary.case.json").read_text())
CHANNELS = ["1", "2", "4", "8"]  # the model's integer categories of "channel", in code order


def cell(column, r):
    """The frame's cell as CSV text: a string category as its text, an integer category
    as its code (a number in a cell is a code), missing as empty."""
    spec = XGB3["frame"][column]
    v = spec["values"][r]
    if v is None:
        return ""
    if spec["kind"] == "bool":
        return "1" if v else "0"
    if spec["kind"] == "category":
        return v if isinstance(v, str) else str(CHANNELS.index(str(v)))
    return repr(v)


def write_rows(path, columns, rows):
    path.write_text("\n".join([",".join(columns)] + [",".join(r) for r in rows]) + "\n")
    return path


def frame_rows(columns):
    return [[cell(c, r) for c in columns] for r in range(len(XGB3["margin"]))]


def test_string_categories_score_as_xgboost_scored_the_frame(cli, tmp_path):
    columns = list(reversed(XGB3["columns"]))
    csv = write_rows(tmp_path / "rows.csv", columns, frame_rows(columns))
    r = cli("predict", FRAMES / "xgb3_frame_binary.json", "--input", csv, "--header", "--output", "margin")
    assert r.returncode == 0, r.stderr
    assert [float(v) for v in r.stdout.split()] == XGB3["margin"]


def test_by_position_too(cli, tmp_path):
    columns = XGB3["columns"]
    rows = frame_rows(columns)
    csv = tmp_path / "rows.csv"
    csv.write_text("\n".join(",".join(r) for r in rows) + "\n")
    r = cli("predict", FRAMES / "xgb3_frame_binary.json", "--input", csv, "--output", "margin")
    assert r.returncode == 0, r.stderr
    assert [float(v) for v in r.stdout.split()] == XGB3["margin"]


@pytest.mark.parametrize("model,column,text,words", [
    ("xgb3_frame_binary.json", "merchant", "bakery",
     'line 3, field 2: feature "merchant": "bakery" is not a category the model was trained with ("grocery"'),
    ("xgb3_frame_binary.json", "amount", "12x", "line 3, field 1: '12x' is not a number"),
    ("lgb4_frame_binary.txt", "merchant", "grocery", "LightGBM's pandas_categorical, which do not say"),
    ("xgb1_frame_binary.json", "merchant", "grocery", "line 3, field 2: 'grocery' is not a number"),
])
def test_values_without_a_code_are_refused(cli, tmp_path, model, column, text, words):
    columns = [("age_days" if c == "age days" and model.startswith("lgb") else c) for c in XGB3["columns"]]
    rows = [["0" if c in ("merchant", "country") else "1" for c in columns] for _ in range(2)]
    rows[1][XGB3["columns"].index(column)] = text
    csv = write_rows(tmp_path / "rows.csv", columns, rows)
    r = cli("predict", FRAMES / model, "--input", csv, "--header")
    assert r.returncode == 1
    assert words in r.stderr, r.stderr


def test_info_prints_the_category_lists(cli):
    r = cli("info", FRAMES / "xgb3_frame_binary.json")
    assert r.returncode == 0, r.stderr
    assert "categories:  3 lists\n" in r.stdout
    assert ('  list 0: feature 1 "merchant", 8 string values: "grocery", "travel", "games", "fuel", "pharmacy", '
            '"jewelry", "cash", "hotel"\n') in r.stdout
    assert '  list 2: feature 4 "channel", 4 integer values: "1", "2", "4", "8"\n' in r.stdout
    r = cli("info", FRAMES / "lgb4_frame_binary.txt")
    assert ("  list 1: feature not saved (LightGBM's pandas_categorical: categorical column 2 of the "
            'training DataFrame), 5 string values: "FR", "DE", "US", "BR", "JP"\n') in r.stdout
    r = cli("info", FRAMES / "lgb4_frame_null.txt")
    assert "categories:  none saved" in r.stdout


@pytest.mark.parametrize("file", ["xgb1_frame_binary.json", "xgb3_frame_binary.json", "lgb4_frame_binary.txt"])
def test_info_names_the_features_the_trees_test_as_categories(cli, file):
    """The features some split tests as a category, as the file's own split types say
    (tests/vectors/categorical_features.json, made from XGBoost's split_type and LightGBM's
    decision_type by tests/gen/make_categorical_feature_vectors.py): also where no list
    was saved."""
    cases = json.loads((VECTORS / "categorical_features.json").read_text())["cases"]
    expected = next(c["categorical_features"] for c in cases if c["model"] == "frames/" + file)
    assert len(expected) == 3
    r = cli("info", FRAMES / file)
    assert r.returncode == 0, r.stderr
    listed = ",".join(str(j) for j in sorted(expected))
    assert "categorical features: %s (tested as categories)\n" % listed in r.stdout


# ------------------------------- LightGBM: lists paired by --categorical-columns
LGB4 = json.loads((FRAMES / "lgb4_frame_binary.case.json").read_text())
LGB4_MODEL = FRAMES / "lgb4_frame_binary.txt"


def lgb4_rows():
    """The LightGBM case's frame as CSV under LightGBM's feature names: string categories
    by their text, the integer category "channel" by its code in the model's list (a number
    in a cell is a code), missing as empty."""
    last = LGB4_MODEL.read_text().rstrip("\n").rsplit("\n", 1)[1]
    assert last.startswith("pandas_categorical:")
    channel_list = json.loads(last.split(":", 1)[1])[2]
    frame = LGB4["frame"]
    rows = []
    for r in range(len(LGB4["margin"])):
        row = []
        for c in LGB4["columns"]:
            v = frame[c]["values"][r]
            if v is None:
                row.append("")
            elif c == "channel":
                row.append(str(channel_list.index(v)) if v in channel_list else "")
            elif frame[c]["kind"] == "bool":
                row.append("1" if v else "0")
            else:
                row.append(str(v) if frame[c]["kind"] == "category" else repr(v))
        rows.append(row)
    return ["_".join(c.split()) for c in LGB4["columns"]], rows


def test_lightgbm_strings_with_categorical_columns_score_as_lightgbm(cli, tmp_path):
    columns, rows = lgb4_rows()
    csv = write_rows(tmp_path / "rows.csv", columns, rows)
    r = cli("predict", LGB4_MODEL, "--input", csv, "--header", "--output", "margin",
            "--categorical-columns", "merchant,country,channel")
    assert r.returncode == 0, r.stderr
    assert [float(v) for v in r.stdout.split()] == LGB4["margin"]
    # Without the pairing the texts are refused, saying why.
    r = cli("predict", LGB4_MODEL, "--input", csv, "--header", "--output", "margin")
    assert r.returncode != 0 and "pandas_categorical" in r.stderr, r.stderr


@pytest.mark.parametrize("columns,words", [
    ("merchant,nope,channel", "--categorical-columns names 'nope', which is not a feature of the model"),
    ("merchant", "--categorical-columns: 1 categorical column was named, but the model file has 3 category lists"),
])
def test_wrong_categorical_columns_are_refused(cli, tmp_path, columns, words):
    names, rows = lgb4_rows()
    csv = write_rows(tmp_path / "rows.csv", names, rows)
    r = cli("predict", LGB4_MODEL, "--input", csv, "--header", "--categorical-columns", columns)
    assert r.returncode != 0 and words in r.stderr, r.stderr


# ------------------------------- the kind of each list's values
KINDS_MODEL = FRAMES / "lgb4_kinds_binary.txt"  # tests/gen/make_category_kind_vectors.py
KINDS_CASE = json.loads((FRAMES / "lgb4_kinds_binary.case.json").read_text())


def test_info_says_each_lists_kind(cli):
    r = cli("info", KINDS_MODEL)
    assert r.returncode == 0, r.stderr
    assert ('categorical column 1 of the training DataFrame), 7 string values: "NA", "grocery", "nan", "NaN", "", '
            '"N/A", "null"\n') in r.stdout
    assert 'categorical column 2 of the training DataFrame), 4 integer values: "10", "1", "3", "2"\n' in r.stdout
    assert 'categorical column 3 of the training DataFrame), 4 real values: "0.5", "1", "2.5", "-3"\n' in r.stdout
    assert 'categorical column 4 of the training DataFrame), 2 boolean values: "false", "true"\n' in r.stdout
    # the dtypes of the training frame's categories, in that order
    assert KINDS_CASE["category_dtypes"] == {"shop": "str", "level": "int64", "rate": "float64", "flag": "bool"}


def test_info_marks_each_value_of_a_mixed_list(cli, tmp_path):
    text = KINDS_MODEL.read_text()
    line = next(l for l in text.splitlines() if l.startswith("pandas_categorical:"))
    lists = json.loads(line[len("pandas_categorical:"):])
    lists[1] = [10, "1", 3.5, True]
    path = tmp_path / "mixed.txt"
    path.write_text(text.replace(line, "pandas_categorical:" + json.dumps(lists)))
    r = cli("info", path)
    assert r.returncode == 0, r.stderr
    assert ('2 of the training DataFrame), 4 mixed values: "10" (integer), "1" (string), "3.5" (real), '
            '"true" (boolean)\n') in r.stdout
