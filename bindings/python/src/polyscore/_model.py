"""polyscore.Model: a loaded model, a thin shell over the ps_model_* functions."""

import ctypes
import dataclasses
import numbers
import os
from typing import Optional, Tuple

import numpy as np

from . import _constants as C
from . import _errors
from . import _frame
from . import _lib as L

_OUTPUTS = C.OUTPUTS
_SHAP_ALGORITHMS = C.SHAP_ALGORITHMS
_FORMATS = C.FORMATS
_FORMAT_NAMES = {code: name for name, code in C.FORMATS.items()}
_DEFAULT_THREADS = C.PREDICT_DEFAULTS["num_threads"]
_UINT32_MAX = 2**32 - 1
_INT32_MAX = 2**31 - 1
_SIZE_MAX = 2**(8 * ctypes.sizeof(ctypes.c_size_t)) - 1
_PS_OK = _errors.PS_OK
_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof
_empty = np.empty
_asarray = np.asarray
_float64 = np.float64


_frombuffer = np.frombuffer
_ndarray = np.ndarray
_byref = ctypes.byref
_c_double_from_buffer = ctypes.c_double.from_buffer
_c_size_t = ctypes.c_size_t
_c_void_p = ctypes.c_void_p
_F8 = np.dtype(np.float64)


# predict_row on a model of at most this many trees keeps the GIL during its C call: the
# call lasts at most ~2 us (~20 ns per tree on the deepest benchmark trees), while
# releasing and taking back the GIL costs ~110 ns per call and, when other threads want
# it, can make this one wait for the switch interval. numpy likewise keeps the GIL for
# small arrays. Bigger models release it, so that threads score in parallel.
_ROW_GIL_HELD_MAX_TREES = 100


def _raw_row_fn(lib, hold_gil):
    """ps_model_predict_row as a ctypes function pointer *without* argtypes, for
    predict_row's hot path. ctypes then converts nothing itself: every argument is a
    ready parameter object of its exact C type (c_size_t.from_param(n) and
    c_void_p.from_param(handle), made once per model, the row's ctypes argument, the
    result's c_double array) or None (NULL). Constant parameter objects are copied, not
    built, per call: ~330 ns for the call instead of ~550 through argtypes.
    hold_gil: called as a PyDLL function (the GIL kept during the call)."""
    if hold_gil:
        lib = ctypes.PyDLL(lib._name, handle=lib._handle)  # the same library, loaded once
    fn = lib._FuncPtr(("ps_model_predict_row", lib))
    fn.restype = ctypes.c_int32
    return fn


# Rows of at most this many values are copied into a ctypes array for predict_row's hot
# path; longer rows are passed in place. Copying 2 KiB costs less than the in-place
# route's memoryview, its keep-alive dict and byref (~160 ns less at 50 features).
_ROW_COPY_MAX = 256


def _row_in_place(arr):
    """byref to arr's own memory (writable and C-contiguous, else TypeError/ValueError)."""
    return _byref(_c_double_from_buffer(arr))


def _row_argument(n_features):
    """predict_row's hot path: the function that turns a float64 row of n_features values
    into a ctypes argument pointing at them. Short rows: a copy in a (c_double *
    n_features) array (from_buffer_copy: any C-contiguous buffer, read-only too; a ctypes
    array is passed as a pointer to its first element). Long rows: in place."""
    if 0 < n_features <= _ROW_COPY_MAX:
        return (ctypes.c_double * n_features).from_buffer_copy
    return _row_in_place


def _address(arr):
    """arr's data pointer (arr is C-contiguous). Cheaper than arr.ctypes.data, which it
    falls back to for read-only and empty arrays."""
    try:
        return _addressof(_from_buffer(arr))
    except (TypeError, ValueError, BufferError):
        return arr.ctypes.data


def _call_quick(lib, fn, *args):
    """Like _call, for the predict functions: the call is first made with a NULL ps_error
    (success, the common case, needs none); only when it fails is it made again through
    _call, with a ps_error of its own, for the message. These functions are pure (same
    arguments, same answer; nothing written on failure but the output buffer), so the
    repeat fails as the first call did and raises what _call alone would have."""
    if fn(*args, None) != _PS_OK:
        _call(lib, fn, *args)


def _call(lib, fn, *args):
    """Calls fn(*args, err) with a ps_error of its own; raises on a non-zero status."""
    err = ctypes.c_void_p()
    if lib.ps_error_create(ctypes.byref(err)) != _errors.PS_OK:
        err = ctypes.c_void_p()  # NULL: the status alone
    try:
        status = fn(*args, err)
        if status != _errors.PS_OK:
            if err:
                message = lib.ps_error_message(err).decode("utf-8", "replace")
                offset = lib.ps_error_offset(err)
            else:
                message = lib.ps_status_name(status).decode("ascii", "replace")
                offset = -1
            raise _errors.error_for(status, message, None if offset < 0 else offset)
    finally:
        if err:
            lib.ps_error_free(err)


def _format_code(fmt):
    if isinstance(fmt, int):
        return fmt
    try:
        return _FORMATS[fmt]
    except KeyError:
        raise _errors.InvalidArgumentError(
            "format must be one of %s, not %r" % (", ".join(_FORMATS), fmt)) from None


def _load_options(fmt):
    opts = L.LoadOptions()
    opts.struct_size = ctypes.sizeof(L.LoadOptions)
    opts.format = _format_code(fmt)
    return opts


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What a model is (ps_model_info_get and ps_model_feature_name)."""
    format: str              # a name of polyscore.FORMAT_NAMES, e.g. "xgboost-json"
    objective: str           # as the training library names it
    booster: str             # "gbtree", "dart", "gblinear", "gbdt", "rf", ...
    num_features: int        # columns a row must have
    num_outputs: int         # values per row for output="value"
    num_margins: int         # values per row for output="margin"
    num_trees: int
    num_iterations: int      # boosting rounds
    feature_names: Tuple[str, ...]  # "" for a feature the file does not name


@dataclasses.dataclass(frozen=True)
class CategoryList:
    """The categories of one categorical column of the training data, as the model file
    saved them (ps_model_category_list, ps_model_category): the code of a value is its
    position in `values`."""
    # The feature index the list codes (XGBoost 3.1+), or None when the file does not
    # say (LightGBM's pandas_categorical: list i is the i-th categorical DataFrame column).
    feature: Optional[int]
    # str, int, float or bool, as the training DataFrame's categories were. A string that
    # is not valid UTF-8 keeps its bytes as surrogate escapes (bytes.decode's
    # "surrogateescape"), so it matches no other string.
    values: Tuple[object, ...]


_CATEGORY_PARSERS = {
    C.PS_CATEGORY_STRING: lambda b: b.decode("utf-8", "surrogateescape"),
    C.PS_CATEGORY_INTEGER: lambda b: int(b),
    C.PS_CATEGORY_REAL: lambda b: float(b),  # also "Infinity", "-Infinity", "NaN"
    C.PS_CATEGORY_BOOLEAN: lambda b: b == b"true",
}


def _read_categories(lib, handle):
    """(saved, lists): whether the file saved category lists at all (even none), and
    every list of a loaded model (a tuple of CategoryList, empty when there are none)."""
    count = ctypes.c_uint32()
    saved = ctypes.c_int32()
    _call(lib, lib.ps_model_category_list_count, ctypes.byref(count), ctypes.byref(saved), handle)
    lists = []
    feature = ctypes.c_int64()
    n = ctypes.c_uint32()
    length = ctypes.c_size_t()
    kind = ctypes.c_int32()
    buf = ctypes.create_string_buffer(64)
    for j in range(count.value):
        _call(lib, lib.ps_model_category_list, ctypes.byref(feature), ctypes.byref(n), handle, j)
        values = []
        for k in range(n.value):
            try:
                _call(lib, lib.ps_model_category, buf, len(buf), ctypes.byref(length),
                      ctypes.byref(kind), handle, j, k)
            except _errors.BufferTooSmallError:
                buf = ctypes.create_string_buffer(length.value + 1)
                _call(lib, lib.ps_model_category, buf, len(buf), ctypes.byref(length),
                      ctypes.byref(kind), handle, j, k)
            parse = _CATEGORY_PARSERS.get(kind.value)
            if parse is None:  # a newer library's kind: refuse rather than guess
                raise _errors.UnsupportedError(
                    "category %d of list %d has kind %d, unknown to this binding" % (k, j, kind.value))
            values.append(parse(buf.raw[:length.value]))
        f = feature.value
        lists.append(CategoryList(None if f == C.PS_CATEGORY_FEATURE_UNKNOWN else f, tuple(values)))
    return saved.value != 0, tuple(lists)


def _plan_key(output, iteration_range, num_threads, shap_algorithm="auto"):
    """The cache key of a (output, iteration_range, num_threads, shap_algorithm) request,
    or None when its arguments are not plain str / None-or-(int, int) / int / str (then
    nothing is cached and every call validates them afresh)."""
    if type(output) is not str or type(num_threads) is not int or type(shap_algorithm) is not str:
        return None
    if iteration_range is None:
        return (output, None, num_threads, shap_algorithm)
    if (type(iteration_range) is tuple and len(iteration_range) == 2
            and type(iteration_range[0]) is int and type(iteration_range[1]) is int):
        return (output, iteration_range, num_threads, shap_algorithm)
    return None


def _real_array(X):
    """X as a NumPy array of real numbers (None in a list is a missing value). Anything
    else (strings, booleans, complex numbers, rows of different lengths) is a
    polyscore error naming the problem: NumPy would convert most of it silently."""
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # NumPy >= 1.24 refuses ragged nested sequences
        raise _errors.ShapeError(
            "input rows must all have the same length (%s)" % exc) from None
    kind = arr.dtype.kind
    if kind in "fiu":
        return arr
    if kind == "O":  # None, or a mix of numbers and other objects
        values = []
        for v in arr.flat:
            if v is None:
                values.append(np.nan)
            elif isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
                values.append(float(v))
            elif isinstance(v, (list, tuple, np.ndarray)):
                raise _errors.ShapeError(
                    "input rows must all have the same length (found a nested %s)"
                    % type(v).__name__)
            else:
                raise _errors.InvalidArgumentError(
                    "input must be real numbers (or None for missing), not %r of type %s"
                    % (v, type(v).__name__))
        return np.array(values, dtype=np.float64).reshape(arr.shape)
    raise _errors.InvalidArgumentError(
        "input must be real numbers, not %s values (NumPy dtype %s)"
        % ({"b": "boolean", "c": "complex", "U": "string", "S": "bytes"}.get(kind, "non-numeric"),
           arr.dtype))


def _is_scipy_sparse(x):
    return type(x).__module__.startswith("scipy.sparse")


class Model:
    """A loaded model. Use Model.load(path) or Model.load_buffer(bytes), ideally in a
    `with` block; close() frees it (twice is fine), and a closed model raises
    InvalidHandleError. One model may be used from any number of threads at once."""

    def __init__(self, _handle, _lib):
        # Private: use Model.load / Model.load_buffer.
        self._lib = _lib
        self._handle = _handle
        self._closed = False
        self._info = None
        # (output, iteration_range, num_threads, shap_algorithm) -> (PredictOptions, values
        # per row), for
        # requests the library has accepted once. A model never changes, so neither do
        # these; only plain keys are stored (see _plan_key).
        self._plans = {}
        # output -> (function, ctypes result type, values per row as a c_size_t parameter,
        # handle as a c_void_p parameter, options argument, row shape (features,),
        # features as a c_size_t parameter) for predict_row's hot path, with the default
        # shap_algorithm ("auto") only
        self._row_plans = {}
        self._row_fn = None  # _raw_row_fn(lib, ...), made on first use
        self._c_handle = None  # c_void_p.from_param(handle), with it
        # (categories_saved, categories), read at the first ask (_training_categories).
        self._category_lists = None
        # categorical_features, read at the first ask.
        self._categorical_features = None

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path, format="auto"):
        """Loads a model file (XGBoost JSON/UBJSON, LightGBM text; detected by default)."""
        lib = L.get()
        opts = _load_options(format)
        handle = ctypes.c_void_p()
        _call(lib, lib.ps_model_load_file, ctypes.byref(handle), os.fsencode(path),
              ctypes.byref(opts))
        return cls(handle.value, lib)

    @classmethod
    def load_buffer(cls, data, format="auto"):
        """Loads a model from the bytes of a model file (bytes, bytearray, memoryview)."""
        lib = L.get()
        opts = _load_options(format)
        if isinstance(data, str):
            raise _errors.InvalidArgumentError("load_buffer takes bytes, not str")
        view = memoryview(data)
        if not view.c_contiguous:
            view = memoryview(view.tobytes())
        buf = np.frombuffer(view, dtype=np.uint8, count=view.nbytes) if view.nbytes else None
        handle = ctypes.c_void_p()
        _call(lib, lib.ps_model_load_buffer, ctypes.byref(handle),
              None if buf is None else buf.ctypes.data, 0 if buf is None else buf.size,
              ctypes.byref(opts))
        return cls(handle.value, lib)

    # ---------------------------------------------------------------- lifetime
    def close(self):
        """Frees the model. Calls already running finish normally; later calls raise
        InvalidHandleError. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self._lib.ps_model_free(self._handle)
        # The freed handle is kept: the library answers PS_ERR_INVALID_HANDLE for it.

    @property
    def closed(self):
        return self._closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if not self._closed and self._lib is not None:
                self.close()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass

    def __repr__(self):
        if self._closed:
            return "<polyscore.Model closed>"
        try:
            i = self.info
            return "<polyscore.Model %s %s, %d features, %d trees>" % (
                i.format, i.objective, i.num_features, i.num_trees)
        except _errors.Error:
            return "<polyscore.Model>"

    # -------------------------------------------------------------------- info
    @property
    def info(self):
        """ModelInfo of this model (read once; a model never changes)."""
        if self._info is None or self._closed:  # closed: the library's InvalidHandleError
            lib = self._lib
            raw = L.ModelInfo()
            raw.struct_size = ctypes.sizeof(L.ModelInfo)
            _call(lib, lib.ps_model_info_get, ctypes.byref(raw), self._handle)
            names = []
            buf = ctypes.create_string_buffer(256)
            length = ctypes.c_size_t()
            for i in range(raw.num_features):
                try:
                    _call(lib, lib.ps_model_feature_name, buf, len(buf), ctypes.byref(length),
                          self._handle, i)
                except _errors.BufferTooSmallError:
                    buf = ctypes.create_string_buffer(length.value + 1)
                    _call(lib, lib.ps_model_feature_name, buf, len(buf), ctypes.byref(length),
                          self._handle, i)
                names.append(buf.raw[:length.value].decode("utf-8", "replace"))
            self._info = ModelInfo(
                format=_FORMAT_NAMES.get(raw.format, str(raw.format)),
                objective=raw.objective.decode("utf-8", "replace"),
                booster=raw.booster.decode("utf-8", "replace"),
                num_features=raw.num_features,
                num_outputs=raw.num_outputs,
                num_margins=raw.num_margins,
                num_trees=raw.num_trees,
                num_iterations=raw.num_iterations,
                feature_names=tuple(names),
            )
        return self._info

    @property
    def num_features(self):
        return self.info.num_features

    @property
    def categories(self):
        """The training data's categories, as the model file saved them: a tuple of
        CategoryList, one per categorical column, in the file's order; empty when the file
        saved none (XGBoost before 3.1, models trained on arrays). XGBoost 3.1+ saves one
        per categorical feature (CategoryList.feature is its index); LightGBM's Python
        package one per categorical column of the training DataFrame, in column order
        (feature None: the file does not say which). predict() uses them to code a
        DataFrame's categorical columns."""
        return self._training_categories()[1]

    @property
    def categories_saved(self):
        """True when the model file saved category lists, even none (an empty
        categories): LightGBM's "pandas_categorical:[]" (trained on a DataFrame with no
        categorical column) and every XGBoost 3.1+ model. False when it saved none
        (LightGBM "pandas_categorical:null", trained on arrays; XGBoost before 3.1). For
        LightGBM it decides what predict() does with a DataFrame's categorical columns:
        saved, their number must match the lists' (LightGBM refuses otherwise); not
        saved, they are coded by the DataFrame's own categories (as LightGBM does)."""
        return self._training_categories()[0]

    @property
    def categorical_features(self):
        """The indices of the features some split of the model tests as a category
        (ps_model_feature_categorical), ascending; empty for a model with numeric splits
        only. Such a feature takes category CODES, whether or not the file saved its
        categories: XGBoost before 3.1 and LightGBM trained on arrays save none, and then
        a row must carry the codes the training data had. Indices, as
        CategoryList.feature is one, rather than a flag per feature. Read at the first
        ask; closed: the library's InvalidHandleError."""
        if self._categorical_features is None or self._closed:
            flag = ctypes.c_int32()
            found = []
            for j in range(self.info.num_features):
                _call(self._lib, self._lib.ps_model_feature_categorical, ctypes.byref(flag),
                      self._handle, j)
                if flag.value:
                    found.append(j)
            self._categorical_features = tuple(found)
        return self._categorical_features

    def _training_categories(self):
        """(categories_saved, categories), read from the library at the first ask, not at
        load: a model that only scores arrays never pays two calls per category (0.5 s
        for 200,000), and loads even where a newer library reports a kind of category
        this binding does not know. A model never changes, so two threads asking at once
        only read the same lists twice. Closed: the library's InvalidHandleError."""
        if self._category_lists is None or self._closed:
            self._category_lists = _read_categories(self._lib, self._handle)
        return self._category_lists

    # ----------------------------------------------------------------- predict
    def _options(self, output, iteration_range, num_threads, shap_algorithm="auto"):
        opts = L.PredictOptions()
        opts.struct_size = ctypes.sizeof(L.PredictOptions)
        try:
            opts.output = _OUTPUTS[output]
        except (KeyError, TypeError):
            raise _errors.InvalidArgumentError(
                "output must be one of %s, not %r" % (", ".join(_OUTPUTS), output)) from None
        try:
            opts.shap_algorithm = _SHAP_ALGORITHMS[shap_algorithm]
        except (KeyError, TypeError):
            raise _errors.InvalidArgumentError(
                "shap_algorithm must be one of %s, not %r"
                % (", ".join(_SHAP_ALGORITHMS), shap_algorithm)) from None
        begin, end = 0, 0
        if iteration_range is not None:
            try:
                begin, end = (int(v) for v in iteration_range)
            except (TypeError, ValueError):
                raise _errors.InvalidArgumentError(
                    "iteration_range must be a pair (begin, end), not %r"
                    % (iteration_range,)) from None
            if not (0 <= begin <= _UINT32_MAX and 0 <= end <= _UINT32_MAX):
                raise _errors.InvalidArgumentError(
                    "iteration_range %r: begin and end must be non-negative" % (iteration_range,))
        opts.iteration_begin = begin
        opts.iteration_end = end
        if num_threads is None:
            num_threads = _DEFAULT_THREADS
        if not 0 <= int(num_threads) <= _INT32_MAX:
            raise _errors.InvalidArgumentError(
                "num_threads must be >= 0 (0 = all cores), not %r" % (num_threads,))
        opts.num_threads = int(num_threads)
        return opts

    def _output_size(self, n_rows, opts):
        size = ctypes.c_size_t()
        _call_quick(self._lib, self._lib.ps_model_output_size, ctypes.byref(size), self._handle,
              n_rows, ctypes.byref(opts))
        return size.value

    def _plan(self, output, iteration_range, num_threads, shap_algorithm):
        """(opts, per_row, key): per_row is None when not known yet (see _sized)."""
        key = _plan_key(output, iteration_range, num_threads, shap_algorithm)
        if key is not None:
            plan = self._plans.get(key)
            if plan is not None:
                return plan[0], plan[1], key
        return self._options(output, iteration_range, num_threads, shap_algorithm), None, key

    def _sized(self, n_rows, opts, per_row, key):
        """(output size for n_rows, per_row); asks the library when per_row is unknown
        (and remembers its answer) or when the size would overflow size_t (its error)."""
        if per_row is None:
            size = self._output_size(n_rows, opts)
            per_row = size // n_rows if n_rows else self._output_size(1, opts)
            if key is not None:
                self._plans[key] = (opts, per_row)
            return size, per_row
        if per_row and n_rows > _SIZE_MAX // per_row:
            return self._output_size(n_rows, opts), per_row  # raises: too many rows
        return n_rows * per_row, per_row

    def _shaped(self, out, n_rows, per_row, output):
        if output == "contrib":
            # XGBoost's pred_contribs shape: (rows, features + 1), or (rows, margins,
            # features + 1) for several margins (LightGBM's is this reshaped to 2-D).
            margins = self.info.num_margins
            if margins > 1:
                return out.reshape(n_rows, margins, per_row // margins)
            return out.reshape(n_rows, per_row)
        if output == "interactions":
            # XGBoost's pred_interactions shape: (rows, features + 1, features + 1), or
            # (rows, margins, features + 1, features + 1) for several margins.
            margins = self.info.num_margins
            columns = self.info.num_features + 1
            if margins > 1:
                return out.reshape(n_rows, margins, columns, columns)
            return out.reshape(n_rows, columns, columns)
        if output == "leaf" or per_row != 1:
            return out.reshape(n_rows, per_row)
        return out  # one value per row: 1-D, as XGBoost and LightGBM return it

    def _with_base_margin(self, opts, base_margin, n_rows):
        """(a copy of opts that points at base_margin, the float64 array it points at);
        the array must outlive the call. The library checks its length."""
        bm = np.ascontiguousarray(_real_array(base_margin), dtype=np.float64)
        if bm.ndim > 2 or (bm.ndim == 2 and bm.shape[0] != n_rows):
            raise _errors.InvalidArgumentError(
                "base_margin must be (rows,) or (rows, num_margins) for %d rows, not shape %r"
                % (n_rows, bm.shape))
        with_offsets = L.PredictOptions.from_buffer_copy(opts)  # the cached opts stay as they are
        with_offsets.base_margin = bm.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        with_offsets.base_margin_len = bm.size
        return with_offsets, bm

    def predict(self, X, output="value", iteration_range=None, num_threads=1, base_margin=None,
                shap_algorithm="auto"):
        """Scores rows.

        X: a 2-D array-like (rows, num_features), a 1-D array-like (one row), a SciPy
           sparse matrix (CSR; other sparse formats are converted), or a pandas DataFrame.
           C-contiguous float32 or float64 NumPy arrays are passed to the library without
           a copy; anything else is converted once to float64 (float32/float64 keep their
           type). A DataFrame's columns are matched to the model's feature names (in any
           order; a missing or unexpected column is an InvalidArgumentError) and its
           categorical columns become the codes the training library gives them.
        output: "value" (what the training library's predict returns), "margin" (raw
           score), "leaf" (leaf index per tree used) or "contrib" (SHAP contributions:
           per margin, one per feature then the bias; they sum to the margin) or
           "interactions" (SHAP interaction values of XGBoost tree models, XGBoost's
           pred_interactions: per margin a (features + 1) x (features + 1) matrix whose
           row i sums to feature i's contribution; about 2 x (features + 1) times the
           cost of "contrib").
        iteration_range: (begin, end) boosting rounds, end 0 = all (XGBoost's meaning).
        num_threads: threads for this call; 1 (default), 0 = all cores.
        base_margin: per-row margin offsets, as XGBoost's DMatrix(base_margin=...) and
           inplace_predict(base_margin=...): shape (rows,), or (rows, num_margins) for a
           multiclass model (one per class). They take the place of the model's base
           score: an XGBoost margin starts from them; a LightGBM raw score gets them
           added (raw_score + init_score). For exposure terms (log(exposure) of a Poisson
           model), LightGBM's init_score. Not for output="leaf". None (default): none.
        shap_algorithm: which SHAP algorithm explains a tree model for "contrib" and
           "interactions" (other outputs ignore it). "auto" (default): as the library that
           wrote the file, XGBoost 3.3+ files by QuadratureTreeSHAP, older XGBoost files
           and LightGBM by exact TreeSHAP. "treeshap": exact TreeSHAP, the bits of
           XGBoost <= 3.2, LightGBM and shap's TreeExplainer. "quadrature": XGBoost 3.3+'s
           QuadratureTreeSHAP, which XGBoost 3.3+ uses for every file it loads (to match
           xgboost 3.4's pred_contribs on a file saved by 3.2); XGBoost models only
           (UnsupportedError on LightGBM). The two differ in float rounding only.

        Returns float64: shape (rows,) when there is one value per row, else
        (rows, k); leaf output is always (rows, trees used); contrib output is
        (rows, features + 1), or (rows, k, features + 1) for k margins, as XGBoost's;
        interactions output is (rows, features + 1, features + 1), or
        (rows, k, features + 1, features + 1), as XGBoost's.
        """
        opts, per_row, key = self._plan(output, iteration_range, num_threads, shap_algorithm)
        if _is_scipy_sparse(X):
            return self._predict_csr(X, opts, per_row, key, output, base_margin)
        if _frame.is_dataframe(X):
            X = _frame.frame_rows(X, self.info.feature_names, self.info.format, self.categories,
                                  self.categories_saved)
        # a NumPy array of numbers as it is; anything else is checked and converted
        arr = X if type(X) is _ndarray and X.dtype.kind in "fiu" else _real_array(X)
        if arr.dtype == np.float32:
            dtype = C.PS_DTYPE_FLOAT32
        elif arr.dtype == np.float64:
            dtype = C.PS_DTYPE_FLOAT64
        else:
            arr = arr.astype(np.float64)
            dtype = C.PS_DTYPE_FLOAT64
        if arr.ndim == 1:  # one row; an empty one ([]) is no rows, an empty result
            arr = arr.reshape(1, -1) if arr.size else arr.reshape(0, self.num_features)
        elif arr.ndim != 2:
            raise _errors.ShapeError(
                "input must be 1-D (one row) or 2-D (rows, features), not %d-D" % arr.ndim)
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)
        n_rows, n_cols = arr.shape
        size, per_row = self._sized(n_rows, opts, per_row, key)
        if base_margin is not None:
            opts, _keep_alive = self._with_base_margin(opts, base_margin, n_rows)
        out = _empty(size, dtype=_float64)
        _call_quick(self._lib, self._lib.ps_model_predict_dense, _address(out), size, self._handle,
              _address(arr), dtype, n_rows, n_cols, opts)
        return self._shaped(out, n_rows, per_row, output)

    def _predict_csr(self, X, opts, per_row, key, output, base_margin=None):
        if X.ndim != 2:
            raise _errors.ShapeError("sparse input must be 2-D, not %d-D" % X.ndim)
        if X.format != "csr":
            X = X.tocsr()
        n_rows, n_cols = X.shape
        indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        indices = X.indices
        if indices.dtype != np.int32:
            if indices.size and (indices.max() > _INT32_MAX or indices.min() < 0):
                raise _errors.ShapeError("a CSR column index does not fit in int32")
            indices = indices.astype(np.int32)
        indices = np.ascontiguousarray(indices)
        values = X.data
        if values.dtype == np.float32:
            dtype = C.PS_DTYPE_FLOAT32
        else:
            values = values.astype(np.float64, copy=False)
            dtype = C.PS_DTYPE_FLOAT64
        values = np.ascontiguousarray(values)
        size, per_row = self._sized(n_rows, opts, per_row, key)
        if base_margin is not None:
            opts, _keep_alive = self._with_base_margin(opts, base_margin, n_rows)
        out = _empty(size, dtype=_float64)
        _call_quick(self._lib, self._lib.ps_model_predict_csr, _address(out), size, self._handle,
              indptr.ctypes.data, indices.ctypes.data, values.ctypes.data, dtype, n_rows, n_cols,
              opts)
        return self._shaped(out, n_rows, per_row, output)

    def predict_row(self, row, output="value", iteration_range=None, base_margin=None,
                    shap_algorithm="auto"):
        """Scores one row (a sequence of num_features numbers) with ps_model_predict_row,
        the single-row fast path. Returns a 1-D float64 array of the row's values
        (length 1 for a single-output model, k for k outputs, trees for leaf).
        base_margin: the row's margin offsets, as for predict: a number, or num_margins
        numbers for a multiclass model. None (default): none.
        shap_algorithm: as for predict ("auto", "treeshap" or "quadrature")."""
        # The hot path: once the library has accepted these options, a cached plan (no
        # validation, no ps_model_output_size call) and one ctypes call with ready-made
        # arguments and a NULL ps_error. Anything else (first use, unusual arguments, a
        # row that is not a C-contiguous float64 array of the model's width, a failing
        # call) takes _predict_row_slow, which validates everything and raises the
        # library's error.
        if base_margin is not None or shap_algorithm != "auto":
            return self._predict_row_slow(row, output, iteration_range, base_margin, shap_algorithm)
        plan = None
        if iteration_range is None and type(output) is str:
            plan = self._row_plans.get(output)
        if plan is None:
            return self._predict_row_slow(row, output, iteration_range)
        fn, out_type, c_size, c_handle, c_opts, shape, c_n_features, row_arg = plan
        # A list of floats becomes float64 here; anything else (ints, strings, booleans,
        # complex) takes the slow path, which converts or rejects it.
        arr = row if type(row) is _ndarray else _asarray(row)
        if arr.dtype is not _F8 or arr.shape != shape:  # the slow path converts or raises
            return self._predict_row_slow(row, output, iteration_range)
        try:
            # the row as a ctypes argument (see _row_argument); a buffer that is not
            # C-contiguous raises here and takes the slow path
            c_row = row_arg(arr)
        except (TypeError, ValueError, BufferError):
            return self._predict_row_slow(row, output, iteration_range)
        out = out_type()  # the result's memory: a fresh ctypes array, wrapped below
        if fn(out, c_size, c_handle, c_row, c_n_features, c_opts, None) != _PS_OK:
            return self._predict_row_slow(row, output, iteration_range)  # raises its error
        return _frombuffer(out, _F8)  # a new float64 array over out (out lives as its base)

    def _predict_row_slow(self, row, output, iteration_range, base_margin=None,
                          shap_algorithm="auto"):
        key = _plan_key(output, iteration_range, 1, shap_algorithm)
        plan = None if key is None else self._plans.get(key)
        if plan is None:
            opts = self._options(output, iteration_range, 1, shap_algorithm)
        else:
            opts, size = plan
        arr = np.ascontiguousarray(_real_array(row), dtype=np.float64)
        if arr.ndim != 1:
            raise _errors.ShapeError("predict_row takes one row (1-D), not %d-D input" % arr.ndim)
        if plan is None:
            size = self._output_size(1, opts)
            if key is not None:
                self._plans[key] = (opts, size)
        call_opts = opts
        if base_margin is not None:
            call_opts, _keep_alive = self._with_base_margin(opts, base_margin, 1)
        out = np.empty(size, dtype=np.float64)
        _call_quick(self._lib, self._lib.ps_model_predict_row, _address(out), size, self._handle,
              _address(arr), arr.size, call_opts)
        if base_margin is not None or shap_algorithm != "auto":
            return out  # the hot path's plans are for calls without offsets, by "auto"
        if key is not None and iteration_range is None and size > 0 and output not in self._row_plans:
            # The library accepted this output kind: predict_row's hot path may use it. The
            # value output goes with NULL options (the library's defaults), the others
            # with the address of the cached options struct (kept alive in self._plans).
            if self._row_fn is None:
                self._c_handle = _c_void_p.from_param(self._handle)
                self._row_fn = _raw_row_fn(
                    self._lib, self.info.num_trees <= _ROW_GIL_HELD_MAX_TREES)
            n_features = arr.size
            self._row_plans[output] = (
                self._row_fn, ctypes.c_double * size, _c_size_t.from_param(size), self._c_handle,
                None if output == "value" else _byref(opts), (n_features,),
                _c_size_t.from_param(n_features), _row_argument(n_features))
        return out


def load(path, format="auto"):
    """Same as Model.load(path)."""
    return Model.load(path, format=format)
