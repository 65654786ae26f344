"""pandas DataFrames as model rows: columns matched to the model's feature names, and
categorical columns turned into the codes the training library gives them.

pandas is imported only when a DataFrame is scored; the rest reads the model file.

The rules, as the libraries apply them at predict time:
 * LightGBM saves the categories of the training DataFrame's categorical columns, in
   column order, as the file's last line "pandas_categorical:[[...], ...]". Each
   categorical column (in the model's feature order) is set to those categories and
   replaced by its codes; a value not among them, or missing, is NaN
   (lightgbm.basic._data_from_pandas). A model saved without that list takes the
   DataFrame's own codes. Feature names: LightGBM replaced whitespace by "_" in the
   names it saved, so a column is matched under that spelling too.
 * XGBoost 3.1 and later save the training categories of each categorical feature in
   the model (gradient_booster.model.cats; UBJSON models read with _ubjson); a value is coded by its position among
   them, a missing value is NaN, and a value not among them is an error (XGBoost
   refuses it too). Older versions saved none, and use the DataFrame's own codes
   (Series.cat.codes, -1 as NaN).
"""

import json
import re
import sys

import numpy as np

from . import _errors
from . import _ubjson

_PANDAS_KEY = b"pandas_categorical:"
# What XGBoost 3.x writes after the UBJSON key "cats" when no feature is categorical:
# an object whose first key "enc" is an empty array (a length of any integer type, 0).
# Every 3.x model has the key, so this saves parsing the whole file at each load.
_UBJSON_NO_CATS = re.compile(
    rb"\{(?:[iU]|I\x00|l\x00{3}|L\x00{7})\x03enc\[(?:\]|#(?:[iU]\x00|I\x00{2}|l\x00{4}|L\x00{8}))")


def is_dataframe(x):
    """True for a pandas DataFrame (or a subclass), without importing pandas: a program
    that never passes one never loads it."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(x, pandas.DataFrame)


# ------------------------------------------------------------- from the model file
def lightgbm_pandas_categorical(data=None, path=None):
    """The pandas_categorical list of a LightGBM text model (its bytes, or a path), read
    from the file's last line as lightgbm.basic._load_pandas_categorical does; None when
    the file has none."""
    if path is not None:
        with open(path, "rb") as f:
            return _pandas_line(f.seek(0, 2), lambda start: (f.seek(start), f.read())[1])
    view = memoryview(data)
    return _pandas_line(len(view), lambda start: bytes(view[start:]))


def _pandas_line(size, read_from):
    n = 4096
    while True:  # the tail, longer until it holds the whole last line
        n = min(n, size)
        tail = read_from(size - n).rstrip()
        if n == size or tail.rfind(b"\n") >= 0:
            break
        n *= 2
    last = tail.rsplit(b"\n", 1)[-1].strip()
    if not last.startswith(_PANDAS_KEY):
        return None
    try:
        value = json.loads(last[len(_PANDAS_KEY):].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _errors.ParseError("the model's pandas_categorical line is not JSON (%s)" % exc) from None
    return value if isinstance(value, list) else None


def xgboost_categories(data, ubjson=False):
    """{feature index: [training categories]} saved in an XGBoost JSON or UBJSON model
    (bytes), or None when the model saved none. The file is parsed only when it holds
    the key "cats"."""
    if ubjson:
        at = data.find(b"\x04cats")
        if at < 0 or _UBJSON_NO_CATS.match(data, at + 5):
            return None
    elif b'"cats"' not in data or b'"cats":{"enc":[]' in data:
        return None
    booster = (_ubjson.loads(data) if ubjson else json.loads(data))["learner"]["gradient_booster"]
    model = booster["gbtree"]["model"] if "gbtree" in booster else booster.get("model", {})
    cats = model.get("cats")
    if not cats:
        return None
    found = {}
    for i, enc in enumerate(cats.get("enc", [])):
        values = enc.get("values", [])
        if len(values) == 0:
            continue
        if "offsets" in enc:  # strings: UTF-8 bytes, offsets[k]..offsets[k+1] per category
            raw = bytes(np.asarray(values, dtype=np.uint8))
            offs = [int(o) for o in enc["offsets"]]
            found[i] = [raw[offs[k]:offs[k + 1]].decode("utf-8") for k in range(len(offs) - 1)]
        else:
            found[i] = np.asarray(values).tolist()
    return found or None


# ----------------------------------------------------------------- frame to rows
def _codes_as_float(codes):
    out = codes.astype(np.float64)
    out[codes < 0] = np.nan
    return out


def frame_rows(df, names, fmt, lgb_categorical, xgb_categories):
    """df (a pandas DataFrame) as a C-contiguous float64 array in the model's feature
    order. names: the model's feature names ("" where the file names none)."""
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

    if fmt == "lightgbm-text" and lgb_categorical is not None:
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
        trained = (xgb_categories or {}).get(j) if fmt.startswith("xgboost") else None
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
