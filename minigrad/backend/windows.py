"""Sliding windows over the last two axes (im2col) and their adjoint (col2im), on every backend.

``windows(x, kernel, dilation, stride)`` views an (..., H, W) array as (..., kh, kw, Ho, Wo):
element ``[..., i, j, p, q]`` is ``x[..., p*sh + i*dh, q*sw + j*dw]``. NumPy and CuPy give a
strided *view* (no copy; ``as_strided``); the array API has no strided views, so the strict
stand-in stacks kh*kw strided slices instead (a copy, same values). ``window_sum`` is the adjoint:
it adds each window element back where it came from (overlapping windows accumulate), with a
loop over the kh*kw kernel positions only, never over pixels. ``pad2d`` pads the last two axes.
"""
from __future__ import annotations

import numpy as np

from .arrays import canonical_dtype, dtype_of, namespace
from .indexing import create


def out_size(size: int, k: int, d: int, s: int) -> int:
    """How many windows of (dilated) size ``d*(k-1)+1`` fit in ``size`` with stride ``s``."""
    return (size - d * (k - 1) - 1) // s + 1


def _as_strided_fn(xp):
    if xp is np:
        return np.lib.stride_tricks.as_strided
    lib = getattr(xp, "lib", None)
    return getattr(getattr(lib, "stride_tricks", None), "as_strided", None)


def windows(x, kernel, dilation, stride):
    """(..., H, W) -> (..., kh, kw, Ho, Wo) windows (a read-only view where the library has one)."""
    xp = namespace(x)
    as_strided = _as_strided_fn(xp)
    if as_strided is None:
        return windows_by_slices(x, kernel, dilation, stride)
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    H, W = x.shape[-2:]
    ho, wo = out_size(H, kh, dh, sh), out_size(W, kw, dw, sw)
    *lead, rh, rw = x.strides
    shape = (*x.shape[:-2], kh, kw, ho, wo)
    strides = (*lead, rh * dh, rw * dw, rh * sh, rw * sw)
    if xp is np:
        return as_strided(x, shape, strides, writeable=False)
    return as_strided(x, shape, strides)


def _slice(i, d, s, n):
    """The positions ``i*d + s*p`` for p in 0..n-1, as a slice."""
    return slice(i * d, i * d + s * (n - 1) + 1, s)


def windows_by_slices(x, kernel, dilation, stride):
    """:func:`windows` with array-API functions only (kh*kw strided slices, stacked)."""
    xp = namespace(x)
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    H, W = x.shape[-2:]
    ho, wo = out_size(H, kh, dh, sh), out_size(W, kw, dw, sw)
    lead = (slice(None),) * (x.ndim - 2)
    rows = [xp.stack([x[(*lead, _slice(i, dh, sh, ho), _slice(j, dw, sw, wo))]
                      for j in range(kw)], axis=-3) for i in range(kh)]
    return xp.stack(rows, axis=-4)


def window_sum(cols, size, dilation, stride):
    """Adjoint of :func:`windows`: (..., kh, kw, Ho, Wo) -> (..., H, W) with ``size`` = (H, W),
    each element added at the position it was read from."""
    *lead, kh, kw, ho, wo = cols.shape
    (dh, dw), (sh, sw) = dilation, stride
    if (dh, dw) == (1, 1) and (sh, sw) == (kh, kw):  # windows tile the plane: no overlap
        xp = namespace(cols)
        n = len(lead)
        permute = getattr(xp, "permute_dims", None) or xp.transpose  # (older CuPy: transpose)
        tiles = permute(cols, (*range(n), n + 2, n, n + 3, n + 1))
        tiles = xp.reshape(tiles, (*lead, ho * kh, wo * kw))
        return pad2d(tiles, (0, size[0] - ho * kh, 0, size[1] - wo * kw))
    out = create(cols, "zeros", (*lead, *size), dtype=canonical_dtype(dtype_of(cols)))
    pre = (slice(None),) * len(lead)
    for i in range(kh):
        for j in range(kw):
            out[(*pre, _slice(i, dh, sh, ho), _slice(j, dw, sw, wo))] += cols[(*pre, i, j, ...)]
    return out


def pad2d(x, pads, value=0.0):
    """``x`` with its last two axes padded by ``pads`` = (top, bottom, left, right) of ``value``
    (the array itself when there is nothing to pad)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    *lead, H, W = x.shape
    out = create(x, "full", (*lead, H + top + bottom, W + left + right), value,
                 dtype=canonical_dtype(dtype_of(x)))
    out[(*(slice(None),) * len(lead), slice(top, top + H), slice(left, left + W))] = x
    return out


def crop2d(x, pads):
    """Undo :func:`pad2d`: the last two axes without ``pads`` = (top, bottom, left, right)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    H, W = x.shape[-2:]
    lead = (slice(None),) * (x.ndim - 2)
    return x[(*lead, slice(top, H - bottom), slice(left, W - right))]
