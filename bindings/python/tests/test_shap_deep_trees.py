"""SHAP of a model with a very deep tree: a call whose scratch would pass the library's
limit (src/explain/shap_scratch.h) raises OutOfMemoryError (a MemoryError) naming the
depth, and plain scoring of the model still works. The limit is set low here
(POLYSCORE_SHAP_SCRATCH_LIMIT, read at every SHAP call), so that without the check the
calls allocate at most about 400 MiB and succeed, and the test fails."""
import numpy as np
import pytest

import polyscore

DEPTH = 3000
FEATURES = 8


def lightgbm_chain(depth):
    """LightGBM text: two trees, each a chain of `depth` splits (split i: feature i % 8 <=
    0.5, its left child leaf i of value i / 1000, its right child split i + 1)."""
    def line(key, values):
        return "%s=%s\n" % (key, " ".join(str(v) for v in values))
    tree = line("num_leaves", [depth + 1]) + "num_cat=0\n"
    tree += line("split_feature", [i % FEATURES for i in range(depth)])
    tree += line("split_gain", [1] * depth)
    tree += line("threshold", [0.5] * depth)
    tree += line("decision_type", [2] * depth)
    tree += line("left_child", [-i - 1 for i in range(depth)])
    tree += line("right_child", [i + 1 for i in range(depth - 1)] + [-depth - 1])
    tree += line("leaf_value", [i / 1000 for i in range(depth + 1)])
    tree += line("leaf_weight", [1] * (depth + 1))
    tree += line("leaf_count", [1] * (depth + 1))
    tree += line("internal_value", [0] * depth)
    tree += line("internal_weight", [depth + 1 - i for i in range(depth)])
    tree += line("internal_count", [depth + 1 - i for i in range(depth)])
    tree += "is_linear=0\nshrinkage=1\n\n\n"
    header = ("tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n"
              "max_feature_idx=%d\nobjective=regression\n" % (FEATURES - 1))
    header += line("feature_names", ["f%d" % i for i in range(FEATURES)])
    header += line("feature_infos", ["[0:1]"] * FEATURES) + "\n"
    return (header + "Tree=0\n" + tree + "Tree=1\n" + tree + "end of trees\n\nfeature_importances:\n\nparameters:\nend of parameters\n\n"
            "pandas_categorical:null\n").encode()


def test_contributions_past_the_limit_raise_out_of_memory_and_predict_works(monkeypatch):
    monkeypatch.setenv("POLYSCORE_SHAP_SCRATCH_LIMIT", str(64 << 20))
    X = np.ones((3, FEATURES))
    with polyscore.Model.load_buffer(lightgbm_chain(DEPTH)) as m:
        for call in (lambda: m.predict(X, output="contrib"),
                     lambda: m.predict(X[:1], output="contrib", num_threads=2),
                     lambda: m.predict_row(X[0], output="contrib")):
            with pytest.raises(polyscore.OutOfMemoryError, match="for a tree %d deep" % DEPTH) as caught:
                call()
            assert isinstance(caught.value, MemoryError)
            assert "the limit is 64.0 MiB" in str(caught.value)
        # Rows of 1.0 go right at every split: each tree's last leaf.
        np.testing.assert_allclose(m.predict(X), 2 * DEPTH / 1000)
        np.testing.assert_allclose(m.predict_row(X[0]), [2 * DEPTH / 1000])
