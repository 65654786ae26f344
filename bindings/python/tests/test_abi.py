"""The binding checks ps_abi_version() at load time and names both versions."""
import pytest

import polyscore
from polyscore import _lib
from vectors_util import FRAUD_MODEL


def test_current_library_is_new_enough():
    lib = _lib.load_library()
    assert lib.ps_abi_version() >= polyscore.REQUIRED_ABI_VERSION


def test_library_older_than_required():
    have = _lib.get().ps_abi_version()
    need = have + 1
    with pytest.raises(polyscore.AbiVersionError) as info:
        _lib.load_library(required_abi=need)
    e = info.value
    assert e.code == polyscore.PS_ERR_ABI_VERSION == 9
    assert "ABI version %d" % need in e.message
    assert "ABI version %d" % have in e.message


def test_check_runs_when_the_library_is_first_used(monkeypatch):
    """A binding that needs a newer ABI refuses the library on first use."""
    have = _lib.get().ps_abi_version()
    monkeypatch.setattr(_lib, "REQUIRED_ABI_VERSION", have + 7)
    _lib.reset()
    try:
        with pytest.raises(polyscore.AbiVersionError) as info:
            polyscore.Model.load(FRAUD_MODEL)
        assert str(have + 7) in info.value.message and str(have) in info.value.message
    finally:
        monkeypatch.undo()
        _lib.reset()
    with polyscore.Model.load(FRAUD_MODEL) as m:
        assert m.info.num_features == 2
