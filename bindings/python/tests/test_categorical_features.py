"""Model.categorical_features (ps_model_feature_categorical): the features the model's
splits test as categories, checked against the split types read straight from the model
files (XGBoost JSON split_type 1 at split_indices; LightGBM decision_type bit 0 at
split_feature), as tests/core/test_feature_categorical.cc does."""
import json

import pytest

import polyscore
from vectors_util import VECTORS

MODELS = VECTORS / "models"
FRAMES = VECTORS / "frames"

# Categorical models with and without the training categories, and numeric-only ones.
CASES = [
    MODELS / "xgb34_categorical_partition.json",    # features 1 and 3; XGBoost 3.4 on arrays: no lists
    MODELS / "xgb3_categorical_multi_softprob.json",  # feature 0; XGBoost 3.2 on arrays: no lists
    MODELS / "xgb1_categorical_onehot.json",        # XGBoost 1.7: saves no lists at all
    MODELS / "lgb4_categorical.txt",                # LightGBM on arrays (pandas_categorical:null)
    MODELS / "lgb3_categorical_binary.txt",         # feature 0
    FRAMES / "xgb34_frame_binary.json",             # XGBoost 3.4 with its training categories
    FRAMES / "lgb4_frame_binary.txt",               # LightGBM with pandas_categorical lists
    MODELS / "xgb34_binary_logistic.json",          # numeric only
    MODELS / "lgb4_binary.txt",                     # numeric only
]


def xgboost_categorical_splits(path):
    booster = json.loads(path.read_text())["learner"]["gradient_booster"]  # NaN/Infinity parse
    trees = (booster["gbtree"] if booster["name"] == "dart" else booster)["model"]["trees"]
    return {tree["split_indices"][i]
            for tree in trees
            for i, left in enumerate(tree["left_children"])
            if left != -1 and tree["split_type"][i] == 1}


def lightgbm_categorical_splits(path):
    out, features = set(), []
    for line in path.read_text().splitlines():
        if line.startswith("split_feature="):
            features = [int(v) for v in line[len("split_feature="):].split()]
        elif line.startswith("decision_type="):
            types = [int(v) for v in line[len("decision_type="):].split()]
            assert len(types) == len(features), path
            out.update(f for f, t in zip(features, types) if t & 1)
    return out


def categorical_splits(path):
    return (xgboost_categorical_splits if path.suffix == ".json" else lightgbm_categorical_splits)(path)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_categorical_features_are_the_features_the_splits_test_as_categories(path):
    with polyscore.Model.load(str(path)) as m:
        got = m.categorical_features
        assert isinstance(got, tuple)
        assert got == tuple(sorted(categorical_splits(path)))


def test_the_cases_cover_what_they_say():
    found = {p.name: categorical_splits(p) for p in CASES}
    assert found["xgb34_categorical_partition.json"] == {1, 3}
    assert found["xgb3_categorical_multi_softprob.json"] == {0}
    assert found["lgb4_categorical.txt"] and found["xgb34_frame_binary.json"]
    assert found["xgb34_binary_logistic.json"] == set() == found["lgb4_binary.txt"]
    with polyscore.Model.load(str(MODELS / "xgb3_categorical_multi_softprob.json")) as m:
        assert m.categories == ()  # categorical, yet no training categories to code with
    with polyscore.Model.load(str(MODELS / "lgb4_categorical.txt")) as m:
        assert not m.categories_saved


def test_closed_model_categorical_features_is_the_invalid_handle_error():
    m = polyscore.Model.load(str(MODELS / "lgb4_categorical.txt"))
    assert m.categorical_features
    m.close()
    with pytest.raises(polyscore.InvalidHandleError):
        m.categorical_features
