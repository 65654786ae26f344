"""A small UBJSON reader (the subset XGBoost writes: objects, arrays, optimized typed
arrays, numbers, strings, booleans, null), so that the binding can read what the C
library does not hand out: the training categories of an XGBoost UBJSON model.

Typed numeric arrays become NumPy arrays (read in one step, big-endian); the rest
becomes dicts, lists and Python scalars. Malformed input raises ParseError."""

import numpy as np

from . import _errors

_NUMBERS = {
    b"i": np.dtype(">i1"), b"U": np.dtype(">u1"), b"I": np.dtype(">i2"), b"l": np.dtype(">i4"),
    b"L": np.dtype(">i8"), b"d": np.dtype(">f4"), b"D": np.dtype(">f8"),
}


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def fail(self, what):
        raise _errors.ParseError("UBJSON model: %s at byte %d" % (what, self.pos), offset=self.pos)

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            self.fail("the file ends inside a value")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def marker(self):
        m = self.take(1)
        while m == b"N":  # no-op
            m = self.take(1)
        return m

    def number(self, m):
        dt = _NUMBERS.get(m)
        if dt is None:
            self.fail("expected a number, found marker %r" % m)
        return np.frombuffer(self.take(dt.itemsize), dtype=dt)[0].item()

    def length(self):
        n = self.number(self.marker())
        if not isinstance(n, int) or n < 0:
            self.fail("bad length %r" % (n,))
        return n

    def value(self, m=None):
        m = self.marker() if m is None else m
        if m in _NUMBERS:
            return self.number(m)
        if m == b"S" or m == b"H":
            return self.take(self.length()).tobytes().decode("utf-8")
        if m == b"C":
            return self.take(1).tobytes().decode("latin-1")
        if m == b"T":
            return True
        if m == b"F":
            return False
        if m == b"Z":
            return None
        if m == b"[":
            return self.array()
        if m == b"{":
            return self.object()
        self.fail("unknown marker %r" % m)

    def container_header(self):
        """(element type marker or None, count or None) after '[' or '{'."""
        typ = count = None
        if self.data[self.pos:self.pos + 1] == b"$":
            self.pos += 1
            typ = self.take(1)
        if self.data[self.pos:self.pos + 1] == b"#":
            self.pos += 1
            count = self.length()
        elif typ is not None:
            self.fail("a typed container without a count")
        return typ, count

    def array(self):
        typ, count = self.container_header()
        if typ in _NUMBERS:
            dt = _NUMBERS[typ]
            return np.frombuffer(self.take(dt.itemsize * count), dtype=dt)
        if count is not None:
            return [self.value(typ) for _ in range(count)]
        out = []
        while True:
            m = self.marker()
            if m == b"]":
                return out
            out.append(self.value(m))

    def object(self):
        typ, count = self.container_header()
        out = {}
        if count is not None:
            for _ in range(count):
                key = self.take(self.length()).tobytes().decode("utf-8")
                out[key] = self.value(typ)
            return out
        while True:
            if self.data[self.pos:self.pos + 1] == b"}":
                self.pos += 1
                return out
            key = self.take(self.length()).tobytes().decode("utf-8")
            out[key] = self.value()


def loads(data):
    """The value UBJSON bytes hold."""
    try:
        return _Reader(memoryview(data).cast("B")).value()
    except (UnicodeDecodeError, ValueError) as exc:
        raise _errors.ParseError("UBJSON model: %s" % exc) from None
