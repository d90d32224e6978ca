"""Indexing helpers the array API lacks: scatter-add, creation on a device, and NumPy-style
indexing on the strict stand-in."""
from __future__ import annotations

import numpy as np

from . import arrays as _arrays
from .arrays import (
    bool_,
    canonical_dtype,
    dtype_of,
    from_numpy,
    is_array,
    namespace,
    native_dtype,
    to_numpy,
)


def scatter_add(shape, index, values, dtype):
    """``out = zeros(shape); out[index] += values`` with repeated indices accumulating.

    NumPy and CuPy spell this ``add.at`` (older CuPy ``cupyx.scatter_add``); the array API has no
    such function, so the strict stand-in goes through the host (it is only a test backend).
    """
    xp = namespace(values)
    if xp is np:
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, index, values)
        return out
    if xp is _arrays._strict:
        host_idx = _index_to_host(index)
        out = np.zeros(shape, dtype=dtype_of(values))  # `dtype` may be a strict dtype object
        np.add.at(out, host_idx, to_numpy(values))
        return from_numpy(out, "strict")
    with values.device:
        out = xp.zeros(shape, dtype=dtype)
    if hasattr(xp.add, "at"):  # CuPy >= 13 has ufunc.at; cupyx.scatter_add is deprecated
        xp.add.at(out, index, values)
    else:  # pragma: no cover - older CuPy
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(out, index, values)
    return out


def create(like, name, *args, dtype=None):
    """``xp.<name>(*args, dtype=...)`` (``zeros``, ``arange``, ``eye``, ...) made on the device of
    the array ``like`` (the array API's ``device=``; CuPy's current-device context)."""
    xp = namespace(like)
    if dtype is not None:
        dtype = native_dtype(xp, canonical_dtype(dtype))
    if xp is np:
        return getattr(np, name)(*args, dtype=dtype)
    if xp is _arrays._strict:
        return getattr(xp, name)(*args, dtype=dtype, device=like.device)
    with like.device:
        return getattr(xp, name)(*args, dtype=dtype)


def _is_basic(part) -> bool:
    return part is None or part is Ellipsis or isinstance(part, (int, slice))


def _in_bounds(parts, shape):
    """Basic index parts with every slice's start/stop clipped to its axis, as NumPy clips them
    (the array API leaves out-of-bounds slice ends unspecified)."""
    cut = parts.index(Ellipsis)
    after = sum(1 for p in parts[cut + 1:] if p is not None)  # axes used after the Ellipsis
    out, ax = [], 0
    for k, p in enumerate(parts):
        if k == cut:
            ax = len(shape) - after
        if p is None or p is Ellipsis:
            out.append(p)
            continue
        a, ax = ax, ax + 1
        if isinstance(p, slice):
            start, stop, step = p.indices(shape[a])
            if step > 0:
                p = slice(start, stop, step)
            else:  # backwards: start -1 selects nothing; stop -1 means "through element 0"
                p = slice(0, 0) if start < 0 else slice(start, stop if stop >= 0 else None, step)
        out.append(p)
    return tuple(out)


def getitem(x, index):
    """``x[index]`` with NumPy's indexing rules on every backend.

    NumPy and CuPy index natively. The array API promises less: a tuple must cover every axis
    (or hold an Ellipsis), a bool mask must be the whole index, integer arrays mix only with
    integers. So on the strict stand-in, basic indices get a trailing Ellipsis, a lone integer
    array becomes ``take``, and anything else is done on the host (it is only a test backend).
    """
    xp = namespace(x)
    if xp is not _arrays._strict:
        return x[index]
    parts = index if isinstance(index, tuple) else (index,)
    if all(_is_basic(p) for p in parts):
        if Ellipsis not in parts:
            parts = parts + (Ellipsis,)
        return x[_in_bounds(parts, tuple(x.shape))]
    if not isinstance(index, tuple) and is_array(index):
        if dtype_of(index) == bool_ and index.ndim == x.ndim:
            return x[index]
        if dtype_of(index).kind in "iu" and index.ndim == 1:
            return xp.take(x, index, axis=0)
    return from_numpy(np.ascontiguousarray(to_numpy(x)[_index_to_host(index)]), "strict")


def _index_to_host(index):
    if isinstance(index, tuple):
        return tuple(_index_to_host(i) for i in index)
    if hasattr(index, "shape") and not isinstance(index, np.ndarray):
        return to_numpy(index)
    return index
