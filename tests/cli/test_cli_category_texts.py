"""`polyscore predict --input rows.csv`: in a column with training categories a quoted
field is the category's text, so categories spelled as a missing value ("NA", "nan",
"NaN", "N/A", "null") and integer, real and boolean categories ("10", "1.0", "true") can
be sent by their text, as Python's csv and pandas' to_csv write them under
QUOTE_NONNUMERIC and QUOTE_ALL; unquoted, NA stays missing and a number stays a code.
`""` is missing everywhere (those writers write a missing value so), so the empty-string
category is sent by its code. Scored against what LightGBM 4.7 and XGBoost 3.2 scored
(tests/vectors/frames/*_kinds_binary, tests/gen/make_category_kind_vectors.py)."""
import csv
import io
import json
import re

import pytest

from cli_util import VECTORS

FRAMES = VECTORS / "frames"
CASES = {"lgb4": json.loads((FRAMES / "lgb4_kinds_binary.case.json").read_text()),
         "xgb3": json.loads((FRAMES / "xgb3_kinds_binary.case.json").read_text())}
MODELS = {"lgb4": FRAMES / "lgb4_kinds_binary.txt", "xgb3": FRAMES / "xgb3_kinds_binary.json"}


def categorical(case):
    return [c for c in case["columns"] if case["frame"][c]["kind"] == "category"]


def predict(cli, tmp_path, library, text):
    path = tmp_path / "rows.csv"
    path.write_bytes(text.encode())
    extra = ["--categorical-columns", ",".join(categorical(CASES[library]))] if library == "lgb4" else []
    return cli("predict", MODELS[library], "--input", path, "--header", "--output", "margin", *extra)


def margins(r):
    assert r.returncode == 0, r.stderr
    return [float(v) for v in r.stdout.split()]


def cell(case, column, r):
    """A category as its text (a str, so the csv writer quotes it; True as "true"), but the
    empty-string category as its code (an int: unquoted under QUOTE_NONNUMERIC); missing
    as None, which the writer writes as ""."""
    spec = case["frame"][column]
    v = spec["values"][r]
    if v is None or spec["kind"] != "category":
        return v
    if v == "":
        return spec["categories"].index("")  # the predict frame's categories are the training ones
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def csv_text(case, rows, quoting):
    out = io.StringIO()
    writer = csv.writer(out, quoting=quoting, lineterminator="\n")
    writer.writerow(case["columns"])
    writer.writerows([[cell(case, c, r) for c in case["columns"]] for r in rows])
    return out.getvalue()


@pytest.mark.parametrize("library", ["lgb4", "xgb3"])
def test_quoted_texts_score_as_the_library_scored_them(cli, tmp_path, library):
    case = CASES[library]
    rows = range(len(case["margin"]))
    text = csv_text(case, rows, csv.QUOTE_NONNUMERIC)
    for spelled in ['"NA"', '"nan"', '"NaN"', '"N/A"', '"null"', '""', '"10"']:
        assert re.search("(^|,)" + re.escape(spelled) + "(,|$)", text, re.M), spelled  # the file holds each
    assert margins(predict(cli, tmp_path, library, text)) == case["margin"]


@pytest.mark.parametrize("library", ["lgb4", "xgb3"])
def test_quote_all_too(cli, tmp_path, library):
    """Every field quoted: numbers in numeric columns stay numbers, "" stays missing; the
    empty-string category cannot be sent (its code would be a quoted text), so its rows
    are left out."""
    case = CASES[library]
    rows = [r for r in range(len(case["margin"])) if case["frame"]["shop"]["values"][r] != ""]
    assert len(rows) < len(case["margin"])
    got = margins(predict(cli, tmp_path, library, csv_text(case, rows, csv.QUOTE_ALL)))
    assert got == [case["margin"][r] for r in rows]


@pytest.mark.parametrize("library,spelling", [("lgb4", "NA"), ("lgb4", "nan"), ("xgb3", "NaN"), ("xgb3", "nan")])
def test_unquoted_NA_is_missing_and_an_unquoted_number_a_code(cli, tmp_path, library, spelling):
    """Every row of the frame with its shop set to "NA" quoted, NA unquoted and empty; and
    its level given as a quoted category and as its unquoted code. (XGBoost's trees send
    the category NA where they send a missing value: its spellings nan and NaN differ.)"""
    case = CASES[library]
    columns = case["columns"]
    shop, level = columns.index("shop"), columns.index("level")
    levels = case["frame"]["level"]["categories"]
    lines = []
    for r in range(len(case["margin"])):
        cells = ["" if v is None else str(v) for v in (cell(case, c, r) for c in columns)]
        level_text = cells[level]
        if level_text:
            cells[level] = '"%s"' % level_text  # the category
        for spelled in ['"%s"' % spelling, spelling, ""]:
            cells[shop] = spelled
            lines.append(",".join(cells))
        if level_text:
            cells[level] = str(levels.index(int(level_text)))  # its code, unquoted
        cells[shop] = '"%s"' % spelling
        lines.append(",".join(cells))
    got = margins(predict(cli, tmp_path, library, ",".join(columns) + "\n" + "\n".join(lines) + "\n"))
    quoted, unquoted, empty, by_code = (got[i::4] for i in range(4))
    assert unquoted == empty  # NA unquoted is missing, as it always was
    assert quoted != empty  # "NA" quoted is the category: some row scores it otherwise
    assert by_code == quoted  # a number unquoted is the code, a quoted one the category
