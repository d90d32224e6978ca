"""2-D pooling: ``max_pool2d`` and ``avg_pool2d``, one op each over sliding windows.

Both look at the input through :func:`minigrad.backend.windows.windows` (a strided view, no
Python loop over pixels), padded with -inf (max) or 0 (average); ``ceil_mode`` adds the extra
bottom/right padding its last window needs. The backward of each is linear in the incoming
gradient: max sends it to the (first) largest element of each window through a one-hot mask,
average spreads it evenly (÷ the window's divisor); ``fold`` then adds the windows back, so
overlapping windows accumulate and ``create_graph=True`` differentiates the rule again.
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Op
from ..backend import windows as W
from .conv import _unbatched
from .registry import declare
from .unfold import Geometry, check_input, fold_any, pair
from .xp import xp_of


def _cols(win):
    """(N, C, kh, kw, Ho, Wo) windows as (N, C, kh*kw, Ho, Wo)."""
    n, c, kh, kw, ho, wo = win.shape
    return backend.namespace(win).reshape(win, (n, c, kh * kw, ho, wo))


def _fold_back(xp, gcols, ctx):
    """(N, C, K, Ho, Wo) window gradients -> the input's gradient (N, C, H, W)."""
    n, c, k, ho, wo = gcols.shape
    return fold_any(xp.reshape(gcols, (n, c * k, ho * wo)), ctx.hw, ctx.geo)


class MaxPool2d(Op):
    """Largest element of each window (the first one at ties, as PyTorch); optionally also its
    index in the flattened (H*W) input plane."""

    @staticmethod
    def forward(ctx, x, geo, return_indices):
        xp = backend.namespace(x)
        cols = _cols(W.windows(W.pad2d(x, geo.pads, -math.inf), geo.kernel, geo.dilation,
                               geo.stride))
        arg = xp.argmax(cols, axis=2, keepdims=True)
        k = cols.shape[2]
        pos = xp.reshape(backend.create(x, "arange", k), (1, 1, k, 1, 1))
        mask = pos == arg
        out = xp.max(cols, axis=2)
        ctx.save_for_backward(mask)
        ctx.geo, ctx.hw = geo, tuple(x.shape[2:])
        if not return_indices:
            return out
        idx = _flat_index(xp, arg[:, :, 0], geo, x.shape[3])
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, g, *_):
        (mask,) = ctx.saved
        xp = xp_of(g)
        return _fold_back(xp, xp.mask(xp.unsqueeze(g, 2), mask), ctx), None, None


def _flat_index(xp, arg, geo, width):
    """The window offsets ``arg`` (N, C, Ho, Wo) as indices into the flattened input plane."""
    (_, kw), (dh, dw), (sh, sw), (t, _, l, _) = geo.kernel, geo.dilation, geo.stride, geo.pads
    ho, wo = arg.shape[2:]
    rows = xp.reshape(backend.create(arg, "arange", ho, dtype=backend.int64), (ho, 1)) * sh - t
    cols = xp.reshape(backend.create(arg, "arange", wo, dtype=backend.int64), (1, wo)) * sw - l
    return (rows + (arg // kw) * dh) * width + cols + (arg % kw) * dw


class AvgPool2d(Op):
    """Mean of each window: its sum divided by ``divisor`` (per output position)."""

    @staticmethod
    def forward(ctx, x, geo, divisor):
        xp = backend.namespace(x)
        win = W.windows(W.pad2d(x, geo.pads), geo.kernel, geo.dilation, geo.stride)
        ctx.save_for_backward(divisor)
        ctx.geo, ctx.hw = geo, tuple(x.shape[2:])
        return xp.sum(win, axis=(2, 3)) / divisor

    @staticmethod
    def backward(ctx, g):
        (divisor,) = ctx.saved
        xp = xp_of(g)
        n, c, ho, wo = g.shape
        k = ctx.geo.kernel[0] * ctx.geo.kernel[1]
        spread = xp.broadcast_to(xp.unsqueeze(g / divisor, 2), (n, c, k, ho, wo))
        return _fold_back(xp, spread, ctx), None, None


# ----------------------------------------------------------------------------- public
def _pool_geometry(fn, size, kernel_size, stride, padding, dilation, ceil_mode):
    """The window geometry, with ``ceil_mode``'s extra bottom/right padding."""
    k = pair(fn, "kernel_size", kernel_size)
    s = k if stride is None or stride == () else pair(fn, "stride", stride)
    d = pair(fn, "dilation", dilation)
    p = pair(fn, "padding", padding, minimum=0)
    extra = []
    for i in (0, 1):
        span = d[i] * (k[i] - 1) + 1
        if 2 * p[i] > span:
            raise ValueError(f"{fn}: padding should be at most half of the (dilated) kernel "
                             f"size, got padding={padding}, kernel_size={kernel_size}, "
                             f"dilation={dilation}")
        room = size[i] + 2 * p[i] - span
        if room < 0:
            raise ValueError(f"{fn}: input of spatial size {tuple(size)} (padding {p}) is "
                             f"smaller than the (dilated) kernel {k}; use a smaller kernel")
        out = (-(-room // s[i]) if ceil_mode else room // s[i]) + 1
        if ceil_mode and (out - 1) * s[i] >= size[i] + p[i]:
            out -= 1  # the last window must start inside the input or the left padding
        extra.append(max((out - 1) * s[i] + span - (size[i] + 2 * p[i]), 0))
    return Geometry(k, d, (p[0], p[0] + extra[0], p[1], p[1] + extra[1]), s)


@declare(MaxPool2d)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows, with PyTorch's ``F.max_pool2d`` signature (``stride``
    defaults to ``kernel_size``; padding is -inf). With ``return_indices`` also returns each
    maximum's index in the flattened (H*W) input plane."""

    check_input("max_pool2d", input, dims=(3, 4))
    x = input if input.ndim == 4 else input.reshape((1, *input.shape))
    geo = _pool_geometry("max_pool2d", x.shape[2:], kernel_size, stride, padding, dilation,
                         ceil_mode)
    out = MaxPool2d.apply(x, geo, bool(return_indices))
    if input.ndim == 4:
        return out
    if return_indices:
        return out[0].reshape(out[0].shape[1:]), out[1].reshape(out[1].shape[1:])
    return out.reshape(out.shape[1:])


@declare(AvgPool2d)
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows, with PyTorch's ``F.avg_pool2d`` signature: zero padding is
    counted in the divisor when ``count_include_pad`` (the part ``ceil_mode`` adds never is);
    ``divisor_override`` replaces the divisor."""
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override < 1):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")

    def run(x):
        geo = _pool_geometry("avg_pool2d", x.shape[2:], kernel_size, stride, padding, 1,
                             ceil_mode)
        return AvgPool2d.apply(x, geo, _divisor(x, geo, count_include_pad, divisor_override))

    return _unbatched("avg_pool2d", input, run)


def _divisor(x, geo, count_include_pad, override):
    """Per output position (Ho, Wo): how many elements its window averages over."""
    arr = x.array
    dt = backend.dtype_of(arr)
    ho, wo = geo.blocks(x.shape[2:])
    if override is not None:
        return backend.create(arr, "full", (ho, wo), float(override), dtype=dt)
    (ph, b, pw, r) = geo.pads
    h, w = x.shape[2:]
    if count_include_pad:  # ones over input and padding; zeros over ceil_mode's extra
        ones = backend.create(arr, "ones", (h + 2 * ph, w + 2 * pw), dtype=dt)
        plane = W.pad2d(ones, (0, b - ph, 0, r - pw))
    else:
        plane = W.pad2d(backend.create(arr, "ones", (h, w), dtype=dt), geo.pads)
    xp = backend.namespace(arr)
    return xp.sum(W.windows(plane, geo.kernel, geo.dilation, geo.stride), axis=(0, 1))
