"""Model.categorical_features (ps_model_feature_categorical): the features the model's
splits test as categories, as tests/vectors/categorical_features.json has them (read
straight from the model files by tests/gen/make_categorical_feature_vectors.py), on
categorical models with and without the training categories and numeric-only ones."""
import json

import pytest

import polyscore
from vectors_util import VECTORS

with open(VECTORS / "categorical_features.json") as f:
    CASES = json.load(f)["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["model"])
def test_categorical_features_are_the_features_the_splits_test_as_categories(case):
    with polyscore.Model.load(str(VECTORS / case["model"])) as m:
        got = m.categorical_features
        assert isinstance(got, tuple)
        assert got == tuple(case["categorical_features"])


def test_the_cases_hold_categorical_and_numeric_only_models():
    assert any(c["categorical_features"] for c in CASES)
    assert any(not c["categorical_features"] for c in CASES)


def test_a_categorical_model_without_training_categories():
    with polyscore.Model.load(str(VECTORS / "models/xgb3_categorical_multi_softprob.json")) as m:
        assert m.categorical_features
        assert m.categories == ()  # categorical, yet no training categories to code with
    with polyscore.Model.load(str(VECTORS / "models/lgb4_categorical.txt")) as m:
        assert m.categorical_features
        assert not m.categories_saved


def test_closed_model_categorical_features_is_the_invalid_handle_error():
    m = polyscore.Model.load(str(VECTORS / "models/lgb4_categorical.txt"))
    assert m.categorical_features
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.categorical_features
