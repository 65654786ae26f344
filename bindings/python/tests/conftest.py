"""pytest fixtures; the helpers are in vectors_util.py (which also points
POLYSCORE_LIBRARY at the build directory's library when it is not set)."""
import pytest

from vectors_util import FRAUD_MODEL


@pytest.fixture
def fraud():
    import polyscore
    with polyscore.Model.load(FRAUD_MODEL) as m:
        yield m
