"""Loading libpolyscore.so.1 and declaring the C API for ctypes.

Where the library comes from, first match wins:
  1. the POLYSCORE_LIBRARY environment variable (a path to the .so);
  2. beside this package (a wheel may ship libpolyscore.so.1 in polyscore/);
  3. the system loader: libpolyscore.so.1 (LD_LIBRARY_PATH, ld.so.cache, ...).
"""

import ctypes
import os
import threading

from . import _constants, _errors

# The ABI version this binding is written against (PS_ABI_VERSION of the header).
REQUIRED_ABI_VERSION = _constants.ABI_VERSION

SONAME = "libpolyscore.so.1"

c_size_t = ctypes.c_size_t
c_int32 = ctypes.c_int32
c_uint32 = ctypes.c_uint32
c_int64 = ctypes.c_int64
c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
c_double_p = ctypes.POINTER(ctypes.c_double)
c_size_t_p = ctypes.POINTER(ctypes.c_size_t)

class LoadOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("format", c_int32), ("reserved0", c_int32)]


class ModelInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("format", c_int32),
        ("num_features", c_uint32),
        ("num_outputs", c_uint32),
        ("num_margins", c_uint32),
        ("num_trees", c_uint32),
        ("num_iterations", c_uint32),
        ("objective", ctypes.c_char * 64),
        ("booster", ctypes.c_char * 32),
    ]


class PredictOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("output", c_int32),
        ("iteration_begin", c_uint32),
        ("iteration_end", c_uint32),
        ("num_threads", c_int32),
        ("base_margin", ctypes.POINTER(ctypes.c_double)),  # ABI 3
        ("base_margin_len", c_size_t),
        ("shap_algorithm", c_int32),  # ABI 6
        ("reserved1", c_int32),
    ]


# name: (restype, argtypes)
_SIGNATURES = {
    "ps_abi_version": (c_uint32, []),
    "ps_version_string": (c_char_p, []),
    "ps_status_name": (c_char_p, [c_int32]),
    "ps_error_create": (c_int32, [ctypes.POINTER(c_void_p)]),
    "ps_error_free": (None, [c_void_p]),
    "ps_error_code": (c_int32, [c_void_p]),
    "ps_error_message": (c_char_p, [c_void_p]),
    "ps_error_offset": (c_int64, [c_void_p]),
    "ps_error_clear": (None, [c_void_p]),
    "ps_abi_check": (c_int32, [c_uint32, c_void_p]),
    "ps_model_load_file": (c_int32, [ctypes.POINTER(c_void_p), c_char_p,
                                     ctypes.POINTER(LoadOptions), c_void_p]),
    "ps_model_load_buffer": (c_int32, [ctypes.POINTER(c_void_p), c_void_p, c_size_t,
                                       ctypes.POINTER(LoadOptions), c_void_p]),
    "ps_model_free": (None, [c_void_p]),
    "ps_model_info_get": (c_int32, [ctypes.POINTER(ModelInfo), c_void_p, c_void_p]),
    "ps_model_feature_name": (c_int32, [c_char_p, c_size_t, c_size_t_p, c_void_p,
                                        c_uint32, c_void_p]),
    "ps_model_category_list_count": (c_int32, [ctypes.POINTER(c_uint32), ctypes.POINTER(c_int32),
                                               c_void_p, c_void_p]),  # ABI 5
    "ps_model_category_list": (c_int32, [ctypes.POINTER(c_int64), ctypes.POINTER(c_uint32), c_void_p,
                                         c_uint32, c_void_p]),  # ABI 5
    "ps_model_category": (c_int32, [c_char_p, c_size_t, c_size_t_p, ctypes.POINTER(c_int32), c_void_p,
                                    c_uint32, c_uint32, c_void_p]),  # ABI 5
    "ps_model_feature_categorical": (c_int32, [ctypes.POINTER(c_int32), c_void_p, c_uint32,
                                               c_void_p]),  # ABI 6
    "ps_model_output_size": (c_int32, [c_size_t_p, c_void_p, c_size_t,
                                       ctypes.POINTER(PredictOptions), c_void_p]),
    "ps_model_predict_dense": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p, c_int32,
                                         c_size_t, c_size_t, ctypes.POINTER(PredictOptions),
                                         c_void_p]),
    "ps_model_predict_csr": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p, c_void_p,
                                       c_void_p, c_int32, c_size_t, c_size_t,
                                       ctypes.POINTER(PredictOptions), c_void_p]),
    "ps_model_predict_row": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p, c_size_t,
                                       ctypes.POINTER(PredictOptions), c_void_p]),
}


def _candidates():
    env = os.environ.get("POLYSCORE_LIBRARY")
    if env:
        return [env], True
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), SONAME)
    found = [beside] if os.path.exists(beside) else []
    return found + [SONAME], False


def open_library(path=None):
    """Opens the shared library (see the module docstring) and declares its functions."""
    if path is not None:
        paths, explicit = [path], True
    else:
        paths, explicit = _candidates()
    failures = []
    lib = None
    for p in paths:
        try:
            lib = ctypes.CDLL(p)
            break
        except OSError as exc:
            failures.append("%s: %s" % (p, exc))
            if explicit:
                break
    if lib is None:
        raise _errors.LibraryNotFoundError(
            "cannot load libpolyscore (set POLYSCORE_LIBRARY to its path): " + "; ".join(failures))
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise _errors.AbiVersionError(
                "%s lacks %s(): the library is older than this binding needs (ABI version %d)"
                % (getattr(lib, "_name", "libpolyscore"), name, REQUIRED_ABI_VERSION)) from None
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def check_abi(lib, required):
    """Raises AbiVersionError, naming both versions, when lib's ABI is below `required`."""
    have = lib.ps_abi_version()
    if have >= required:
        return
    err = c_void_p()
    message = None
    if lib.ps_error_create(ctypes.byref(err)) == _errors.PS_OK:
        try:
            if lib.ps_abi_check(required, err) != _errors.PS_OK:
                message = lib.ps_error_message(err).decode("utf-8", "replace")
        finally:
            lib.ps_error_free(err)
    binding = "this polyscore binding needs ABI version %d; the loaded library %s has ABI version %d" % (
        required, getattr(lib, "_name", SONAME), have)
    raise _errors.AbiVersionError(binding + (" (" + message + ")" if message else ""))


def load_library(path=None, required_abi=None):
    """Opens the library and checks its ABI version. The test hook for the check:
    pass a `required_abi` higher than the library's to see the failure."""
    lib = open_library(path)
    check_abi(lib, REQUIRED_ABI_VERSION if required_abi is None else required_abi)
    return lib


_lib = None
_lock = threading.Lock()


def get():
    """The process-wide library, loaded and checked on first use."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = load_library()
    return _lib


def reset():
    """Forgets the loaded library so that the next get() loads it again (tests)."""
    global _lib
    with _lock:
        _lib = None
