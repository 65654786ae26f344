"""Exceptions: one class per ps_status, all subclasses of polyscore.Error."""

from . import _constants as C
from ._constants import PS_OK  # noqa: F401  (used by _lib and _model)


class Error(Exception):
    """A failure reported by libpolyscore (or found by the binding before calling it).

    Attributes:
      code:    the ps_status value (an int; see polyscore.PS_ERR_*).
      message: the library's message (also str(error)).
      offset:  byte offset in the model file where loading failed, or None.
    """

    default_code = C.PS_ERR_INTERNAL

    def __init__(self, message, code=None, offset=None):
        super().__init__(message)
        self.message = message
        self.code = self.default_code if code is None else code
        self.offset = offset

    @property
    def status_name(self):
        return C.STATUS_NAMES.get(self.code, "PS_ERR_UNKNOWN")

    def __str__(self):
        return self.message

    def __repr__(self):
        return "%s(%r, code=%d)" % (type(self).__name__, self.message, self.code)


class InvalidArgumentError(Error, ValueError):
    """PS_ERR_INVALID_ARGUMENT: a bad option, an unknown output kind, a bad range."""
    default_code = C.PS_ERR_INVALID_ARGUMENT


class InvalidHandleError(Error):
    """PS_ERR_INVALID_HANDLE: the model was closed (or the handle is not ours)."""
    default_code = C.PS_ERR_INVALID_HANDLE


class ModelFileError(Error, OSError):
    """PS_ERR_IO: the model file cannot be opened or read."""
    default_code = C.PS_ERR_IO


class ParseError(Error, ValueError):
    """PS_ERR_PARSE: the model bytes are corrupt, truncated or of the wrong shape."""
    default_code = C.PS_ERR_PARSE


class UnsupportedError(Error):
    """PS_ERR_UNSUPPORTED: a valid model using something polyscore cannot score."""
    default_code = C.PS_ERR_UNSUPPORTED


class ShapeError(Error, ValueError):
    """PS_ERR_SHAPE: input of the wrong size (feature count, CSR arrays)."""
    default_code = C.PS_ERR_SHAPE


class BufferTooSmallError(Error):
    """PS_ERR_BUFFER_TOO_SMALL: an output buffer was too small (a binding bug)."""
    default_code = C.PS_ERR_BUFFER_TOO_SMALL


class OutOfMemoryError(Error, MemoryError):
    """PS_ERR_OUT_OF_MEMORY."""
    default_code = C.PS_ERR_OUT_OF_MEMORY


class AbiVersionError(Error):
    """PS_ERR_ABI_VERSION: the loaded library is older than this binding needs."""
    default_code = C.PS_ERR_ABI_VERSION


class InternalError(Error):
    """PS_ERR_INTERNAL: a bug in polyscore."""
    default_code = C.PS_ERR_INTERNAL


class LibraryNotFoundError(Error, OSError):
    """libpolyscore.so.1 could not be loaded (not a library status)."""
    default_code = C.PS_ERR_IO


_BY_CODE = {
    C.PS_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    C.PS_ERR_INVALID_HANDLE: InvalidHandleError,
    C.PS_ERR_IO: ModelFileError,
    C.PS_ERR_PARSE: ParseError,
    C.PS_ERR_UNSUPPORTED: UnsupportedError,
    C.PS_ERR_SHAPE: ShapeError,
    C.PS_ERR_BUFFER_TOO_SMALL: BufferTooSmallError,
    C.PS_ERR_OUT_OF_MEMORY: OutOfMemoryError,
    C.PS_ERR_ABI_VERSION: AbiVersionError,
    C.PS_ERR_INTERNAL: InternalError,
}


def error_for(code, message, offset=None):
    """The exception object for a ps_status and message."""
    return _BY_CODE.get(code, Error)(message, code=code, offset=offset)
