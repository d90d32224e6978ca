"""``RawNamespace``: the ``ctx.xp`` a built-in op's backward rule gets on raw arrays."""
from __future__ import annotations

import math

import numpy as np

from .arrays import namespace, native_dtype, to_device
from .indexing import getitem, scatter_add


class RawNamespace:
    """What a built-in op's backward rule sees as ``ctx.xp`` when no graph is recorded.

    It offers the same function names as the ``minigrad`` namespace (which a rule sees when
    ``create_graph=True``), implemented directly on arrays. One source, two modes.
    """

    def __init__(self, xp):
        self.xp = xp

    def __getattr__(self, name):  # exp, log, cos, where, maximum, matmul, ... from the library
        value = getattr(self.xp, name)
        setattr(self, name, value)  # cached: the next lookup is a plain attribute read
        return value

    def mask(self, g, cond):
        """``g`` where ``cond`` holds, else 0."""
        return self.xp.where(cond, g, self.xp.zeros_like(g))

    def sum(self, x, axis=None, keepdims=False):
        return self.xp.sum(x, axis=axis, keepdims=keepdims)

    def permute_dims(self, x, axes):
        return self.xp.permute_dims(x, tuple(axes))

    def matrix_transpose(self, x):
        return self.xp.matrix_transpose(x)

    def unsqueeze(self, x, dim):
        return self.xp.expand_dims(x, axis=dim)

    def cast(self, x, dtype):
        return self.xp.astype(x, native_dtype(self.xp, dtype))

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=native_dtype(self.xp, dtype))

    def index_add(self, shape, index, values):
        return scatter_add(shape, index, values, values.dtype)

    def getitem(self, x, index):
        return getitem(x, index)

    def outer(self, a, b):
        return self.xp.reshape(a, (-1, 1)) * self.xp.reshape(b, (1, -1))


class NumPyNamespace(RawNamespace):
    """The RawNamespace of NumPy, with the same results but without NumPy's Python-level
    wrappers, which cost 0.5-2 us a call (``np.sum``, ``np.broadcast_to``, ``np.reshape``,
    ``np.expand_dims``, ...) where the array method or the ufunc itself costs 0.1-0.9 us. On
    small arrays those wrappers were a large share of a training step (benchmarks/PROFILE.md)."""

    SMALL = 1 << 14  # broadcast_to copies results up to this many elements (faster than a view)

    def mask(self, g, cond):
        if g.size <= self.SMALL:  # np.where is as fast as a multiply on small arrays
            return np.where(cond, g, 0)
        # on large ones a multiply is ~4x faster than np.where, but inf * 0 is NaN:
        with np.errstate(invalid="ignore"):  # where the product has NaN, redo it with where
            out = g * cond
        return np.where(cond, g, 0) if np.isnan(out).any() else out

    def sum(self, x, axis=None, keepdims=False):
        return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims))  # (an array, as xp.sum)

    def max(self, x, axis=None, keepdims=False):
        return np.maximum.reduce(x, axis=axis, keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        return np.minimum.reduce(x, axis=axis, keepdims=keepdims)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def broadcast_to(self, x, shape):
        """As ``np.broadcast_to``; a small result is a new (writable) array, made 4x faster."""
        if math.prod(shape) > self.SMALL:
            return np.broadcast_to(x, shape)  # a view
        out = np.empty(shape, x.dtype)
        out[...] = x  # (raises as np.broadcast_to does when the shapes do not broadcast)
        return out

    def permute_dims(self, x, axes):
        return x.transpose(tuple(axes))

    def index_add(self, shape, index, values):
        out = np.zeros(shape, values.dtype)
        np.add.at(out, index, values)
        return out

    def matrix_transpose(self, x):
        return x.swapaxes(-1, -2)

    def astype(self, x, dtype, copy=True):
        return x.astype(dtype, copy=copy)

    def cast(self, x, dtype):
        return x.astype(dtype)


_by_library: dict = {}  # array library -> its RawNamespace (one per library)
_by_type: dict = {}  # array type -> the same RawNamespace (the lookup on the hot path)


def raw_namespace(arr) -> RawNamespace:
    """The RawNamespace of ``arr``'s library (made once per library, found by the array's type)."""
    return _by_type.get(type(arr)) or _by_type.setdefault(type(arr), _for_library(namespace(arr)))


def _for_library(xp) -> RawNamespace:
    return _by_library.get(xp) or _by_library.setdefault(
        xp, NumPyNamespace(xp) if xp is np else RawNamespace(xp))


def _raw_to_device(self, x, device):
    return to_device(x, device)


RawNamespace.to_device = _raw_to_device  # type: ignore[attr-defined]
