"""`polyscore predict --input`: RFC 4180 quoted fields (src/cli/csv_reader.cc). A category
value or a column name holding a comma, a quote or a line break is given quoted, and
scores what XGBoost 3.2 and LightGBM 4.7 scored (tests/vectors/frames/*_quoted_binary,
made by tests/gen/make_quoted_frame_vectors.py); a broken quote is an error naming the
line, the field and the character."""
import csv
import io
import json

import pytest

from cli_util import FRAUD_MODEL, VECTORS

FRAMES = VECTORS / "frames"
XGB3 = json.loads((FRAMES / "xgb3_quoted_binary.case.json").read_text())
LGB4 = json.loads((FRAMES / "lgb4_quoted_binary.case.json").read_text())


def csv_text(columns, rows, quoting=csv.QUOTE_MINIMAL, lineterminator="\n"):
    """Python's csv writer: RFC 4180 quoting, as pandas' to_csv writes it."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=quoting, lineterminator=lineterminator)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def frame_rows(case, columns):
    """The case's predict frame as CSV cells: categories by their text, missing empty."""
    frame = case["frame"]
    return [["" if frame[c]["values"][r] is None else
             frame[c]["values"][r] if frame[c]["kind"] == "category" else repr(frame[c]["values"][r])
             for c in columns] for r in range(len(case["margin"]))]


def write(path, text):
    path.write_bytes(text.encode())  # as written: no newline translation
    return path


def margins(r):
    assert r.returncode == 0, r.stderr
    return [float(v) for v in r.stdout.split()]


def test_the_vectors_need_quoting():
    names = XGB3["columns"]
    assert any("," in n for n in names) and any('"' in n for n in names)
    shops = [v for v in XGB3["frame"]["shop, city"]["values"] if v]
    assert any("," in v for v in shops) and any('"' in v for v in shops) and any("\n" in v for v in shops)


@pytest.mark.parametrize("quoting,lineterminator", [(csv.QUOTE_MINIMAL, "\n"), (csv.QUOTE_ALL, "\n"),
                                                    (csv.QUOTE_MINIMAL, "\r\n")])
def test_xgboost_quoted_categories_and_names_score_as_xgboost(cli, tmp_path, quoting, lineterminator):
    """Names and categories with commas, quotes and line breaks, columns in another order;
    QUOTE_ALL quotes every number too (a quoted number in a numeric column is a number, ""
    is missing)."""
    columns = list(reversed(XGB3["columns"]))
    rows = write(tmp_path / "rows.csv", csv_text(columns, frame_rows(XGB3, columns), quoting, lineterminator))
    r = cli("predict", FRAMES / "xgb3_quoted_binary.json", "--input", rows, "--header", "--output", "margin")
    assert margins(r) == XGB3["margin"]


def test_lightgbm_quoted_categories_score_as_lightgbm(cli, tmp_path):
    """Including a value with commas that training never saw: missing, as LightGBM scored it."""
    assert "Smith, Jones, and Co" in LGB4["frame"]["shop"]["values"]
    columns = LGB4["columns"]
    rows = write(tmp_path / "rows.csv", csv_text(columns, frame_rows(LGB4, columns)))
    r = cli("predict", FRAMES / "lgb4_quoted_binary.txt", "--input", rows, "--header", "--output", "margin",
            "--categorical-columns", "shop")
    assert margins(r) == LGB4["margin"]


def test_a_quoted_number_is_a_number(cli, tmp_path):
    plain = write(tmp_path / "plain.csv", "0.4,1.2\n,-1\n")
    quoted = write(tmp_path / "quoted.csv", '"0.4"," 1.2 "\n"",  "-1"  \n')
    assert margins(cli("predict", FRAUD_MODEL, "--input", quoted)) == margins(cli("predict", FRAUD_MODEL,
                                                                                   "--input", plain))


def test_a_quoted_text_for_a_numeric_feature_is_not_a_number(cli, tmp_path):
    rows = write(tmp_path / "rows.csv", '0.4,"1,2"\n')
    r = cli("predict", FRAUD_MODEL, "--input", rows)
    assert r.returncode != 0 and "line 1, field 2: '1,2' is not a number" in r.stderr, r.stderr


QUOTE_RULE = 'a quoted field is "..." with each quote inside it written twice ("")'


@pytest.mark.parametrize("text,words", [
    ('a,b\n0.4,1.2\n0.5,"1.3\n0.6,1.4\n', "line 3, field 2: the quote that opens the field is never closed (character 5)"),
    ('a,b\n0.4,1.2\n0.5,"1.3"x\n', "line 3, field 2: text after the closing quote (character 10)"),
    ('a,b\n0.4,1.2\n"0.5" "1",1\n', "line 3, field 1: text after the closing quote (character 7)"),
    ('a,b\n0.4,1.2\n0.5,1"3\n', "line 3, field 2: a quote inside a field that does not start with one (character 6)"),
    # records holding a line break: lines are counted in the file, and the error names the
    # line the character is on
    ('"a\nb",c\n0.4,1.2\n0.5,"1.3"x\n', "line 4, field 2: text after the closing quote (character 10)"),
    ('"a\nb",c\n0.4,1.2\n0.5,"1\n2"x\n', "line 5, field 2: text after the closing quote (character 3)"),
])
def test_a_broken_quote_names_line_field_and_character(cli, tmp_path, text, words):
    r = cli("predict", FRAUD_MODEL, "--input", write(tmp_path / "rows.csv", text), "--skip-header")
    assert r.returncode != 0 and words in r.stderr and QUOTE_RULE in r.stderr, r.stderr


def test_a_broken_quote_in_the_header_is_named(cli, tmp_path):
    rows = write(tmp_path / "rows.csv", 'amount_zscore,"velocity\n0.4,1.2\n')
    r = cli("predict", FRAUD_MODEL, "--input", rows, "--header")
    assert r.returncode != 0 and "line 1, field 2: the quote that opens the field is never closed" in r.stderr


def test_quoted_header_names(cli, tmp_path):
    """Spaces around a quoted name are dropped, as around an unquoted one."""
    ok = write(tmp_path / "ok.csv", ' "velocity" ,"amount_zscore"\n1.2,0.4\n')
    assert margins(cli("predict", FRAUD_MODEL, "--input", ok, "--header")) == \
        margins(cli("predict", FRAUD_MODEL, "--input", write(tmp_path / "plain.csv", "0.4,1.2\n")))


def test_a_quoted_category_keeps_its_spaces(cli, tmp_path):
    """Spaces around an unquoted field are dropped; inside quotes they are the value's."""
    columns = XGB3["columns"]
    row = frame_rows(XGB3, columns)[0]
    at = columns.index("shop, city")
    model = FRAMES / "xgb3_quoted_binary.json"
    row[at] = "plain"
    expected = margins(cli("predict", model, "--input", write(tmp_path / "a.csv", csv_text(columns, [row])),
                           "--header", "--output", "margin"))
    text = csv_text(columns, [row]).replace(",plain,", ",  plain ,")
    assert ",  plain ," in text
    assert margins(cli("predict", model, "--input", write(tmp_path / "b.csv", text), "--header",
                       "--output", "margin")) == expected
    r = cli("predict", model, "--input", write(tmp_path / "c.csv", text.replace(",  plain ,", ',"  plain ",')),
            "--header")
    assert r.returncode != 0 and 'line 2, field 2: feature "shop, city": "  plain " is not a category' in r.stderr, \
        r.stderr
