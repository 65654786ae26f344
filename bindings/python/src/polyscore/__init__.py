"""polyscore: score XGBoost and LightGBM models through libpolyscore.so.1.

    import polyscore
    with polyscore.Model.load("fraud-v3.json") as m:
        scores = m.predict(X)                    # NumPy array, like the training library's
        margins = m.predict(X, output="margin")
        leaves = m.predict(X, output="leaf", iteration_range=(0, 10))

The shared library is taken from POLYSCORE_LIBRARY, else from beside this package,
else from the system loader (libpolyscore.so.1). Errors are polyscore.Error subclasses
carrying the library's status code (.code) and message.
"""

from . import _constants
from ._errors import (  # noqa: F401
    Error, InvalidArgumentError, InvalidHandleError, ModelFileError, ParseError,
    UnsupportedError, ShapeError, BufferTooSmallError, OutOfMemoryError, AbiVersionError,
    InternalError, LibraryNotFoundError,
)
from ._lib import REQUIRED_ABI_VERSION  # noqa: F401
from ._model import CategoryList, Model, ModelInfo, load  # noqa: F401

__version__ = "1.0.0"

# The status codes, polyscore.PS_OK and polyscore.PS_ERR_*, as the header has them.
globals().update({name: value for name, value in vars(_constants).items()
                  if name == "PS_OK" or name.startswith("PS_ERR_")})
# The names predict(output=...), load(format=...) and predict(shap_algorithm=...) take;
# the CLI uses the same.
OUTPUT_NAMES = tuple(_constants.OUTPUTS)
FORMAT_NAMES = tuple(_constants.FORMATS)
SHAP_ALGORITHM_NAMES = tuple(_constants.SHAP_ALGORITHMS)


def abi_version():
    """ABI version of the loaded library (ps_abi_version)."""
    from . import _lib
    return _lib.get().ps_abi_version()


def library_version():
    """Release of the loaded library, e.g. "1.0.0" (ps_version_string)."""
    from . import _lib
    return _lib.get().ps_version_string().decode("ascii")


def library_path():
    """Path or name the shared library was loaded from."""
    from . import _lib
    return _lib.get()._name
