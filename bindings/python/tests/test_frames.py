"""pandas DataFrame input: columns matched to the model's feature names in any order,
categorical columns coded as the training library codes them, checked against the
library's own predictions on the same DataFrames (tests/vectors/frames, made by
tests/gen/make_frame_vectors.py); and the errors for columns that do not fit."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import polyscore
from vectors_util import ROOT, VECTORS

FRAMES = VECTORS / "frames"
CASES = sorted(p.name[:-len(".case.json")] for p in FRAMES.glob("*.case.json"))


def load_case(name):
    with open(FRAMES / (name + ".case.json")) as f:
        return json.load(f)


def build_frame(case):
    """The DataFrame the library scored, columns in the training order."""
    cols = {}
    for name in case["columns"]:
        spec = case["frame"][name]
        if spec["kind"] == "category":
            cols[name] = pd.Categorical(spec["values"], categories=spec["categories"])
        elif spec["kind"] == "bool":
            cols[name] = np.array(spec["values"], dtype=bool)
        else:
            cols[name] = np.array([np.nan if v is None else v for v in spec["values"]])
    return pd.DataFrame(cols)


def own_codes(df):
    """df with each categorical column replaced by the frame's own codes (NaN for missing)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].cat.codes.astype(np.float64).replace(-1, np.nan)
    return out


def test_the_vectors_are_there():
    assert {"lgb3_frame_binary", "lgb4_frame_binary", "xgb1_frame_binary", "xgb3_frame_binary",
            "lgb3_frame_null", "lgb3_frame_empty", "lgb4_frame_null", "lgb4_frame_empty"} <= set(CASES)


# The cases the library scored (a "refused" case has no value: it has its own test).
MODEL_FILES = [(name, f) for name in CASES if "value" in load_case(name) for f in load_case(name)["models"]]


def saves_no_lists(model_file):
    """A LightGBM file trained on arrays: its last line is "pandas_categorical:null"."""
    return (model_file.endswith(".txt")
            and (FRAMES / model_file).read_bytes().rstrip().endswith(b"pandas_categorical:null"))


@pytest.mark.parametrize("name,model_file", MODEL_FILES, ids=[f for _, f in MODEL_FILES])
def test_reordered_frame_scores_as_the_library(name, model_file):
    case = load_case(name)
    df = build_frame(case)
    assert any(isinstance(t, pd.CategoricalDtype) for t in df.dtypes)
    with polyscore.Model.load(FRAMES / model_file) as m:
        shuffled = df[list(reversed(df.columns))]
        for X in (df, shuffled):
            np.testing.assert_allclose(m.predict(X), case["value"], rtol=1e-6, atol=0)
            np.testing.assert_allclose(m.predict(X, output="margin"), case["margin"], rtol=1e-6, atol=1e-12)
        # The DataFrame's own codes. The *_frame_* cases (make_frame_vectors.py) give the
        # frame its categories in another order than training's: XGBoost 1.x and LightGBM
        # files that saved no lists score exactly those codes; the others recode by the saved
        # categories, so the own codes score differently and the binding must not pass them
        # through. The *_kinds_* cases (make_category_kind_vectors.py) keep training's order,
        # so their own codes are the training codes and score alike.
        codes_as_is = m.predict(own_codes(df).to_numpy(dtype=float))
        uses_own_codes = ((case["library"] == "xgboost" and case["library_version"].startswith("1."))
                          or saves_no_lists(model_file) or "_kinds_" in name)
        assert np.allclose(codes_as_is, case["value"]) == uses_own_codes


def test_lightgbm_column_with_space_matches_its_saved_name():
    case = load_case("lgb4_frame_binary")
    df = build_frame(case)
    with polyscore.Model.load(FRAMES / case["models"][0]) as m:
        assert "age_days" in m.info.feature_names  # LightGBM saved "age days" so
        renamed = df.rename(columns={"age days": "age_days"})
        np.testing.assert_allclose(m.predict(renamed), case["value"], rtol=1e-6)


def test_load_buffer_reads_the_categories_too():
    for name, model_file in MODEL_FILES:
        case = load_case(name)
        data = (FRAMES / model_file).read_bytes()
        with polyscore.Model.load_buffer(data) as m:
            np.testing.assert_allclose(m.predict(build_frame(case)), case["value"], rtol=1e-6)


def test_missing_and_unexpected_columns_are_named():
    case = load_case("lgb4_frame_binary")
    df = build_frame(case)
    with polyscore.Model.load(FRAMES / case["models"][0]) as m:
        with pytest.raises(polyscore.InvalidArgumentError, match=r"missing column 'amount'"):
            m.predict(df.drop(columns=["amount"]))
        with pytest.raises(polyscore.InvalidArgumentError, match=r"unexpected column 'extra'"):
            m.predict(df.assign(extra=1.0))
        with pytest.raises(polyscore.InvalidArgumentError, match=r"duplicate columns: amount"):
            m.predict(pd.concat([df, df[["amount"]]], axis=1))
        with pytest.raises(polyscore.InvalidArgumentError, match=r"'merchant' has dtype object"):
            m.predict(df.assign(merchant=df["merchant"].astype(object)))
        # pandas_categorical lists 3 categorical columns; a plain number column instead of
        # one of them is LightGBM's "categorical_feature do not match" error
        with pytest.raises(polyscore.InvalidArgumentError, match=r"3 categorical DataFrame columns"):
            m.predict(df.assign(channel=df["channel"].astype(float)))


def test_xgboost_unseen_category_is_an_error():
    case = load_case("xgb3_frame_binary")
    df = build_frame(case)
    df["country"] = df["country"].cat.add_categories(["XX"])
    df.loc[3, "country"] = "XX"
    with polyscore.Model.load(FRAMES / case["models"][0]) as m:
        with pytest.raises(polyscore.InvalidArgumentError, match=r"'country'.*'XX'"):
            m.predict(df)
        df.loc[3, "country"] = np.nan  # an unused unseen category is fine
        m.predict(df)


def test_numeric_frame_matches_the_array_and_unnamed_models_go_by_position():
    rng = np.random.default_rng(5)
    with polyscore.Model.load(VECTORS / "models" / "lgb4_regression.txt") as m:
        names = m.info.feature_names
        X = rng.normal(size=(20, len(names)))
        df = pd.DataFrame(X, columns=names)
        np.testing.assert_array_equal(m.predict(df[list(reversed(names))]), m.predict(X))
        assert m.predict(df.iloc[:0]).shape == (0,)  # an empty batch: an empty result
        # the other outputs and options go through unchanged
        np.testing.assert_array_equal(m.predict(df, output="leaf", iteration_range=(1, 3)),
                                      m.predict(X, output="leaf", iteration_range=(1, 3)))
    with polyscore.Model.load(VECTORS / "models" / "xgb3_reg_gamma.json") as m:
        assert not any(m.info.feature_names)
        df = pd.DataFrame(X, columns=list("abcde"))
        np.testing.assert_array_equal(m.predict(df), m.predict(X))
        with pytest.raises(polyscore.ShapeError, match="no feature names"):
            m.predict(df.iloc[:, :3])


def test_pandas_is_imported_only_for_a_dataframe():
    code = ("import sys, numpy as np, polyscore\n"
            "m = polyscore.Model.load(%r)\n"
            "m.predict(np.zeros((2, m.num_features)))\n"
            "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
            % str(FRAMES / "lgb4_frame_binary.txt"))
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={"PYTHONPATH": str(ROOT / "bindings" / "python" / "src"),
                        **{k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}})


MERCHANTS = ("grocery", "travel", "games", "fuel", "pharmacy", "jewelry", "cash", "hotel")
COUNTRIES = ("FR", "DE", "US", "BR", "JP")
CHANNELS = (1, 2, 4, 8)


def test_categories_are_what_the_file_saved():
    """Model.categories: the lists the core read from the file (ps_model_category_*), with
    the training DataFrame's value types (str, int)."""
    for f in ("lgb4_frame_binary.txt", "lgb3_frame_binary.txt"):
        with polyscore.Model.load(FRAMES / f) as m:
            assert m.categories == (polyscore.CategoryList(None, MERCHANTS),
                                    polyscore.CategoryList(None, COUNTRIES),
                                    polyscore.CategoryList(None, CHANNELS)), f
            assert all(type(v) is int for v in m.categories[2].values)
    for f in ("xgb3_frame_binary.json", "xgb3_frame_binary.ubj"):
        with polyscore.Model.load(FRAMES / f) as m:
            assert m.categories == (polyscore.CategoryList(1, MERCHANTS),
                                    polyscore.CategoryList(3, COUNTRIES),
                                    polyscore.CategoryList(4, CHANNELS)), f
    for f in ("xgb1_frame_binary.json", "xgb1_frame_binary.ubj"):
        with polyscore.Model.load(FRAMES / f) as m:
            assert m.categories == ()
    with polyscore.Model.load(VECTORS / "models" / "lgb4_categorical.txt") as m:
        assert m.categories == ()  # trained on arrays: pandas_categorical:null


def test_categories_of_a_model_loaded_from_memory_outlive_its_bytes():
    """The categories come from the loaded model, not from the caller's bytes: a buffer
    overwritten right after load_buffer changes nothing (the binding used to read the
    categories from those bytes itself)."""
    for name, model_file in MODEL_FILES:
        case = load_case(name)
        data = bytearray((FRAMES / model_file).read_bytes())
        with polyscore.Model.load_buffer(data) as m:
            data[:] = b"\0" * len(data)
            with polyscore.Model.load(FRAMES / model_file) as from_path:
                assert m.categories == from_path.categories
            np.testing.assert_allclose(m.predict(build_frame(case)), case["value"], rtol=1e-6)


def test_categories_of_every_kind_and_a_bad_line_fails_the_load():
    data = (FRAMES / "lgb4_frame_binary.txt").read_bytes()
    head = data[:data.rindex(b"pandas_categorical:")]
    line = (b'pandas_categorical:[["caf\\u00e9", "a b"], [1.5, -Infinity, NaN], [true, false], '
            b'[-12345678901234567890]]\n')
    with polyscore.Model.load_buffer(head + line) as m:
        cats = m.categories
        assert [c.feature for c in cats] == [None] * 4
        assert cats[0].values == ("caf\u00e9", "a b")
        assert cats[1].values[0] == 1.5 and cats[1].values[1] == -np.inf and np.isnan(cats[1].values[2])
        assert cats[2].values == (True, False) and type(cats[2].values[0]) is bool
        assert cats[3].values == (-12345678901234567890,)
    with pytest.raises(polyscore.ParseError, match=r"pandas_categorical column 0, category 1 is null"):
        polyscore.Model.load_buffer(head + b'pandas_categorical:[["a", null]]\n')


def test_closed_model_categories_is_the_invalid_handle_error():
    m = polyscore.Model.load(FRAMES / "lgb4_frame_binary.txt")
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.categories


def test_closed_model_with_a_dataframe_is_the_invalid_handle_error():
    case = load_case("lgb4_frame_binary")
    m = polyscore.Model.load(FRAMES / case["models"][0])
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.predict(build_frame(case))


@pytest.mark.parametrize("prefix", ["lgb3", "lgb4"])
def test_lightgbm_without_saved_lists_scores_or_refuses_the_frame_as_lightgbm_did(prefix):
    """LightGBM's own files whose last line saves no category lists (same trees, from
    tests/gen/make_frame_vectors.py): "pandas_categorical:null" (trained on an array) codes a
    DataFrame's categorical columns by the frame's own categories; "pandas_categorical:[]"
    (trained on a DataFrame without categorical columns) refuses a DataFrame with
    categorical columns, as LightGBM 3.3 and 4.7 did ("categorical_feature do not match")."""
    null = load_case(prefix + "_frame_null")
    df = build_frame(null)
    with polyscore.Model.load(FRAMES / null["models"][0]) as m:
        assert m.categories == () and not m.categories_saved
        np.testing.assert_array_equal(m.predict(df), null["value"])
        np.testing.assert_array_equal(m.predict(df, output="margin"), null["margin"])
        by_frame = m.predict(df)

    empty = load_case(prefix + "_frame_empty")
    assert empty["frame"] == null["frame"] and "value" not in empty
    assert empty["refused"] == {"type": "ValueError",
                                "message": "train and valid dataset categorical_feature do not match."}
    with polyscore.Model.load(FRAMES / empty["models"][0]) as m:
        assert m.categories == () and m.categories_saved
        with pytest.raises(polyscore.InvalidArgumentError,
                           match=r"trained with 0 categorical DataFrame columns \(pandas_categorical\), "
                                 r"this DataFrame has 3: 'merchant', 'country', 'channel'") as refused:
            m.predict(df)
        assert isinstance(refused.value, ValueError)  # LightGBM's exception type
        # The same columns as plain numbers (what it was trained on) are scored, by the
        # same trees as the null model's.
        np.testing.assert_array_equal(m.predict(own_codes(df)), by_frame)


def test_categories_are_read_at_the_first_ask_not_at_load(monkeypatch):
    """A model that scores arrays never reads its categories: it loads and scores even
    where reading them would fail (a newer library's kind of category, say)."""
    import polyscore._model as model_module

    def refuse(lib, handle):
        raise polyscore.UnsupportedError("category kind 9, unknown to this binding")

    monkeypatch.setattr(model_module, "_read_categories", refuse)
    case = load_case("lgb4_frame_binary")
    with polyscore.Model.load(FRAMES / "lgb4_frame_binary.txt") as m:
        X = np.zeros((3, m.num_features))
        assert m.predict(X).shape == (3,)
        with pytest.raises(polyscore.UnsupportedError, match="kind 9"):
            m.categories
        with pytest.raises(polyscore.UnsupportedError, match="kind 9"):
            m.predict(build_frame(case))
    monkeypatch.undo()
    with polyscore.Model.load(FRAMES / "lgb4_frame_binary.txt") as m:
        first = m.categories
        assert m.categories is first  # read once
        assert len(first) == 3


def test_categories_saved():
    for f, saved in (("lgb4_frame_binary.txt", True), ("xgb3_frame_binary.json", True),
                     ("xgb3_frame_binary.ubj", True), ("xgb1_frame_binary.json", False)):
        with polyscore.Model.load(FRAMES / f) as m:
            assert m.categories_saved is saved, f
    with polyscore.Model.load(VECTORS / "models" / "lgb4_categorical.txt") as m:
        assert m.categories_saved is False  # pandas_categorical:null
    with polyscore.Model.load(VECTORS / "models" / "xgb3_categorical_partition.json") as m:
        assert m.categories == () and m.categories_saved is True  # XGBoost 3 on arrays: "cats" with none
    m = polyscore.Model.load(FRAMES / "lgb4_frame_binary.txt")
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.categories_saved
