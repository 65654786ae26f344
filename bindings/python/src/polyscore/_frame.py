"""pandas DataFrames as model rows: columns matched to the model's feature names, and
categorical columns turned into the codes the training library gives them.

pandas is imported only when a DataFrame is scored. The training categories come from the
library (Model.categories, read by the core loaders from the model file), so a model
loaded from a path or from bytes codes a DataFrame the same way.

The rules, as the libraries apply them at predict time:
 * LightGBM saves the categories of the training DataFrame's categorical columns, in
   column order (the file's last line "pandas_categorical:[[...], ...]"). Each
   categorical column (in the model's feature order) is set to those categories and
   replaced by its codes; a value not among them, or missing, is NaN
   (lightgbm.basic._data_from_pandas). A DataFrame with another number of categorical
   columns than the lists is refused, as LightGBM refuses it, also when the file saved
   an empty list ("pandas_categorical:[]": trained on a DataFrame with no categorical
   column). A model saved without lists ("null": trained on arrays) takes the
   DataFrame's own codes. Feature names: LightGBM replaced whitespace by "_" in the
   names it saved, so a column is matched under that spelling too.
 * XGBoost 3.1 and later save the training categories of each categorical feature in
   the model; a value is coded by its position among them, a missing value is NaN, and
   a value not among them is an error (XGBoost refuses it too). Older versions saved
   none, and use the DataFrame's own codes (Series.cat.codes, -1 as NaN).
"""

import sys

import numpy as np

from . import _errors


def is_dataframe(x):
    """True for a pandas DataFrame (or a subclass), without importing pandas: a program
    that never passes one never loads it."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(x, pandas.DataFrame)


# ----------------------------------------------------------------- frame to rows
def _codes_as_float(codes):
    out = codes.astype(np.float64)
    out[codes < 0] = np.nan
    return out


def frame_rows(df, names, fmt, categories, categories_saved):
    """df (a pandas DataFrame) as a C-contiguous float64 array in the model's feature
    order. names: the model's feature names ("" where the file names none); categories:
    the model's CategoryList tuple (Model.categories); categories_saved: whether the file
    saved them at all, even none (Model.categories_saved)."""
    import pandas as pd

    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise _errors.InvalidArgumentError("the DataFrame has duplicate columns: %s" % ", ".join(dup))
    if all(names):
        index = {c: i for i, c in enumerate(columns)}
        if fmt == "lightgbm-text":  # LightGBM saved "a b" as "a_b"
            for i, c in enumerate(columns):
                index.setdefault("_".join(c.split()), i)
        order = [index.get(n) for n in names]
        missing = [n for n, i in zip(names, order) if i is None]
        used = set(order)
        extra = [c for i, c in enumerate(columns) if i not in used]
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing column%s %s" % ("s" if len(missing) > 1 else "", ", ".join(map(repr, missing))))
            if extra:
                parts.append("unexpected column%s %s" % ("s" if len(extra) > 1 else "", ", ".join(map(repr, extra))))
            raise _errors.InvalidArgumentError(
                "the DataFrame's columns do not match the model's features (%s): %s"
                % (", ".join(names), "; ".join(parts)))
    else:  # the model names no features: columns by position
        if len(columns) != len(names):
            raise _errors.ShapeError("the DataFrame has %d columns, the model %d features (and no "
                                     "feature names to match them by)" % (len(columns), len(names)))
        order = list(range(len(columns)))

    out = np.empty((len(df), len(names)), dtype=np.float64)
    categorical = []  # (feature index, column)
    for j, src in enumerate(order):
        col = df.iloc[:, src]
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categorical.append((j, col))
        elif dtype.kind in "fiub":
            out[:, j] = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            raise _errors.InvalidArgumentError(
                "DataFrame column %r has dtype %s: columns must be numbers, booleans or pandas "
                "categoricals" % (columns[src], dtype))

    # LightGBM pairs saved lists, even none ("pandas_categorical:[]"), with the frame's
    # categorical columns and refuses a count that differs; only a model that saved no
    # lists (null) codes them by the frame's own categories.
    lgb_categorical = [list(c.values) for c in categories] if fmt == "lightgbm-text" and categories_saved else None
    xgb_categories = {c.feature: list(c.values) for c in categories if c.feature is not None}
    if lgb_categorical is not None:
        if len(categorical) != len(lgb_categorical):
            raise _errors.InvalidArgumentError(
                "the model was trained with %d categorical DataFrame column%s (pandas_categorical), "
                "this DataFrame has %d: %s" % (
                    len(lgb_categorical), "" if len(lgb_categorical) == 1 else "s", len(categorical),
                    ", ".join(repr(str(c.name)) for _, c in categorical) or "none"))
        for (j, col), cats in zip(categorical, lgb_categorical):
            out[:, j] = _codes_as_float(col.cat.set_categories(cats).cat.codes.to_numpy())
        return out
    for j, col in categorical:
        codes = col.cat.codes.to_numpy()
        trained = xgb_categories.get(j)
        if trained is not None:  # the position among the training categories
            position = {v: float(k) for k, v in enumerate(trained)}
            cats = list(col.cat.categories)
            unseen = [v for k, v in enumerate(cats) if v not in position and (codes == k).any()]
            if unseen:  # XGBoost refuses them too ("Found a category not in the training set")
                raise _errors.InvalidArgumentError(
                    "DataFrame column %r holds categories the model was not trained with: %s "
                    "(trained with: %s)" % (str(col.name), ", ".join(map(repr, unseen[:5])),
                                            ", ".join(map(repr, trained[:20]))))
            remap = np.array([position.get(v, np.nan) for v in cats] + [np.nan])
            out[:, j] = remap[codes]  # code -1 (missing) takes the last entry, NaN
        else:
            out[:, j] = _codes_as_float(codes)
    return out
