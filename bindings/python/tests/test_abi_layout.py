"""The binding's view of the C ABI equals abi_tests/layout.json, which
abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md):
every ctypes Structure has the C struct's size, and every field its name, offset,
size and type, in order; every PS_* constant the binding defines has the header's
value, and the binding defines all of them."""
import ctypes
import json
import pathlib

import pytest

from polyscore import _constants, _lib

ROOT = pathlib.Path(__file__).resolve().parents[3]
LAYOUT = json.loads((ROOT / "abi_tests" / "layout.json").read_text())

STRUCTS = {
    "ps_load_options": _lib.LoadOptions,
    "ps_predict_options": _lib.PredictOptions,
    "ps_model_info": _lib.ModelInfo,
}

# C type names of layout.json -> the ctypes type the binding must use.
C_TYPES = {
    "size_t": ctypes.c_size_t,
    "int32_t": ctypes.c_int32,
    "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64,
    "double": ctypes.c_double,
    "float": ctypes.c_float,
    "char": ctypes.c_char,
    "const double *": ctypes.POINTER(ctypes.c_double),
}


def ctype_of(c_type):
    if c_type.endswith("]"):
        elem, count = c_type[:-1].split("[")
        return C_TYPES[elem] * int(count)
    return C_TYPES[c_type]


def test_platform_matches():
    p = LAYOUT["platform"]
    assert ctypes.sizeof(ctypes.c_void_p) == p["pointer_size"]
    assert ctypes.sizeof(ctypes.c_size_t) == p["size_t"]


def test_every_public_struct_is_declared():
    assert set(STRUCTS) == set(LAYOUT["structs"])


@pytest.mark.parametrize("name", sorted(LAYOUT["structs"]))
def test_struct_layout(name):
    want = LAYOUT["structs"][name]
    cls = STRUCTS[name]
    assert ctypes.sizeof(cls) == want["size"], name
    assert ctypes.alignment(cls) == want["align"], name
    got_fields = [f[0] for f in cls._fields_]
    assert got_fields == [f["name"] for f in want["fields"]], name
    for (fname, ftype), f in zip(cls._fields_, want["fields"]):
        descr = getattr(cls, fname)
        assert descr.offset == f["offset"], (name, fname)
        assert descr.size == f["size"], (name, fname)
        expected = ctype_of(f["type"])
        assert ctypes.sizeof(ftype) == ctypes.sizeof(expected), (name, fname)
        if isinstance(expected, type) and issubclass(expected, ctypes.Array):
            assert issubclass(ftype, ctypes.Array) and ftype._type_ == expected._type_ \
                and ftype._length_ == expected._length_, (name, fname)
        else:
            assert ftype == expected, (name, fname, ftype, expected)


def binding_constants():
    found = {}
    for module in (_constants,):
        for k, v in vars(module).items():
            if k.startswith("PS_") and isinstance(v, int):
                found[k] = v
    return found


def test_constants_match_the_header():
    got = binding_constants()
    want = LAYOUT["constants"]
    wrong = {k: (got[k], want[k]) for k in got if k in want and got[k] != want[k]}
    assert not wrong, "binding value, header value: %r" % wrong
    unknown = sorted(k for k in got if k not in want)
    assert not unknown, "constants the header does not define: %r" % unknown
    missing = sorted(k for k in want if k not in got and k != "PS_ABI_VERSION")
    assert not missing, "header constants the binding lacks: %r" % missing
    assert _lib.REQUIRED_ABI_VERSION <= want["PS_ABI_VERSION"]
