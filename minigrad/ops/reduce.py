"""Reductions: sum, mean, var, max/min, argmax/argmin, logsumexp, norm.

Each takes ``dim``/``keepdim`` (PyTorch) or ``axis``/``keepdims`` (NumPy). The backward of a
reduction puts the reduced axes back (a reshape) and broadcasts the gradient over them.
"""
from __future__ import annotations

import builtins
import math

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import floating
from .registry import declare
from .xp import xp_of


def norm_axes(dim, axis, ndim, op="reduction", out=None):
    """Normalise ``dim``/``axis`` to a sorted tuple of non-negative axes (None: all). A 0-d
    tensor takes dim 0 or -1 (PyTorch), meaning nothing to reduce. ``out`` (PyTorch's, which
    minigrad does not have) must be None."""
    if (dim is not None and axis is not None) or out is not None:
        _no_out(out, op)
        raise TypeError(f"{op}: pass dim or axis, not both")
    d = dim if dim is not None else axis
    if d is None:
        return None
    d, n = (d,) if isinstance(d, int) else _dims_tuple(d, op), builtins.max(ndim, 1)
    if any(not -n <= int(a) < n for a in d) or len({int(a) % n for a in d}) != len(d):
        raise _dims_error(op, d, ndim)
    return () if ndim == 0 else tuple(sorted(int(a) % n for a in d))


def _dims_tuple(d, op):
    """A dim that is not a Python int: an int-like (a NumPy integer) or a sequence of them."""
    if isinstance(d, Tensor) and d.ndim > 0:
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got a Tensor of shape "
                        f"{d.shape}; for the elementwise {op}imum of two tensors use "
                        f"minigrad.{op}imum(a, b)" if op in ("max", "min") else
                        f"{op}: dim must be an int or a tuple of ints, got a Tensor of shape "
                        f"{d.shape}")
    if hasattr(d, "__index__"):
        return (int(d),)
    seq = tuple(d) if isinstance(d, (tuple, list)) else None
    if seq is None or not all(hasattr(a, "__index__") for a in seq):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {d!r}; e.g. "
                        f"x.{op}(dim=1) or x.{op}(dim=(0, 1))")
    return seq


def _dims_error(op, d, ndim):
    n = builtins.max(ndim, 1)
    bad = [a for a in d if not -n <= int(a) < n]
    if bad:
        what = "a 0-d tensor" if ndim == 0 else f"a tensor with {ndim} dims"
        return IndexError(f"{op}: dimension {bad[0]} is out of range for {what}")
    return RuntimeError(f"{op}: dim {d[0] if len(d) == 1 else d} appears multiple times in the "
                        f"list of dims {d}")


def _kshape(shape, axes):
    """The shape a reduction over ``axes`` has with keepdims=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Op):
    """Sum over ``axes``; the gradient is the upstream gradient broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.shape, ctx.kept = x.shape, (1,) * x.ndim if axes is None else _kshape(x.shape, axes)
        return xp_of(x).sum(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).broadcast_to(xp_of(g).reshape(g, ctx.kept), ctx.shape), None, None


class Mean(Op):
    """Mean over ``axes``; the gradient is the upstream gradient / n, broadcast back (n: the
    number of elements averaged)."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.shape, ctx.kept = x.shape, (1,) * x.ndim if axes is None else _kshape(x.shape, axes)
        ctx.n = math.prod(x.shape) // builtins.max(math.prod(ctx.kept), 1)  # elements averaged
        return xp_of(x).sum(x, axis=axes, keepdims=keepdims) / ctx.n  # (0 of them: NaN)

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).broadcast_to(xp_of(g).reshape(g / ctx.n, ctx.kept), ctx.shape), None, None


class MaxMin(Op):
    """Max (or min) over one axis, or over everything; returns values (and indices)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, is_max):
        xp = xp_of(x)
        ctx.shape, ctx.axis, ctx.keepdims = tuple(x.shape), axis, keepdims
        if axis is None:
            out = xp.max(x) if is_max else xp.min(x)
            mask = x == out
            ctx.count = int(xp.sum(xp.astype(mask, xp.int64)))
            ctx.save_for_backward(mask)
            return out
        arg = xp.argmax(x, axis=axis, keepdims=True) if is_max else xp.argmin(
            x, axis=axis, keepdims=True)
        vals = xp.max(x, axis=axis, keepdims=True) if is_max else xp.min(
            x, axis=axis, keepdims=True)
        # one-hot mask of the chosen position along `axis` (first one at ties)
        pos = xp.reshape(backend.create(x, "arange", x.shape[axis]),
                         _kshape_axis(x.ndim, axis, x.shape[axis]))
        mask = pos == arg
        ctx.save_for_backward(mask)
        if not keepdims:
            vals = xp.squeeze(vals, axis=axis)
            arg = xp.squeeze(arg, axis=axis)
        ctx.mark_non_differentiable(arg)
        return vals, arg

    @staticmethod
    def backward(ctx, g, *_):
        xp = xp_of(g)
        (mask,) = ctx.saved
        if ctx.axis is None:  # ties share the gradient evenly
            return xp.where(mask, g / ctx.count, 0.0), None, None, None
        if not ctx.keepdims:
            g = xp.unsqueeze(g, ctx.axis)
        return xp.where(mask, g, 0.0), None, None, None


def _kshape_axis(ndim, axis, n):
    return tuple(n if i == axis else 1 for i in range(ndim))


def shift_for(xp, x, axes):
    """The max over ``axes`` (kept), to subtract before ``exp``; 0 where it is not finite, and
    0 for an empty reduction (there is no max; the sum of nothing is 0, its log -inf)."""
    if any(s == 0 for i, s in enumerate(x.shape) if axes is None or i in axes):
        return 0.0
    m = xp.max(x, axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0.0)


class LogSumExp(Op):
    """``log(sum(exp(x)))`` computed stably; the gradient is softmax(x) times g."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = backend.namespace(x)
        m = shift_for(xp, x, axes)
        out_k = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.shape, ctx.axes, ctx.keepdims = tuple(x.shape), axes, keepdims
        out = out_k if keepdims else xp.reshape(out_k, _reduced(x.shape, axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved
        xp = xp_of(g)
        k = _kshape(ctx.shape, ctx.axes)
        if not ctx.keepdims:
            g = xp.reshape(g, k)
            out = xp.reshape(out, k)
        return g * xp.exp(x - out), None, None


def _reduced(shape, axes):
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


class Norm2(Op):
    """Euclidean (Frobenius) norm over ``axes``; gradient x / norm (0 where the norm is 0)."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = backend.namespace(x)
        out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdims))
        ctx.shape, ctx.axes, ctx.keepdims = tuple(x.shape), axes, keepdims
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g, *_):
        x, out = ctx.saved
        xp = xp_of(g)
        if not ctx.keepdims:
            k = _kshape(ctx.shape, ctx.axes)
            g, out = xp.reshape(g, k), xp.reshape(out, k)
        safe = xp.where(out == 0, 1.0, out)
        return xp.where(out == 0, 0.0, g / safe) * x, None, None


# ----------------------------------------------------------------------------- functions
def _no_out(out, op):
    if out is not None:
        raise TypeError(f"{op}: minigrad has no out= (got {type(out).__name__}); use the "
                        f"returned tensor instead: y = x.{op}(...)")


def _kd(keepdim, keepdims):
    return bool(keepdims if keepdims is not None else keepdim)


@declare(Sum, methods=("sum",))
def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):  # noqa: A001
    """Sum of elements over ``dim`` (all when None). ``out`` is accepted only as None."""
    # (`dim is None is axis is out`: all three None, the whole tensor without norm_axes)
    axes = None if dim is None is axis is out else norm_axes(dim, axis, x.ndim, "sum", out)
    return Sum.apply(x, axes, bool(keepdim if keepdims is None else keepdims))


@declare(Mean, methods=("mean",))
def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    """Mean of elements over ``dim`` (all when None). ``out`` is accepted only as None."""
    if not x._rg and x.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating tensor, got {x.dtype}; use .float() first")
    # (`dim is None is axis is out`: all three None, the whole tensor without norm_axes)
    axes = None if dim is None is axis is out else norm_axes(dim, axis, x.ndim, "mean", out)
    return Mean.apply(x, axes, bool(keepdim if keepdims is None else keepdims))


@declare(None, methods=("var",))
def var(x, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
    """Variance over ``dim`` with ``correction`` (1: unbiased, Bessel's correction)."""
    axes = norm_axes(dim, axis, x.ndim, "var")
    n = 1
    for i, s in enumerate(x.shape):
        if axes is None or i in axes:
            n *= s
    d = x - Mean.apply(x, axes, True)
    # (as PyTorch: the divisor is max(0, n - correction), so too few elements give NaN)
    return Sum.apply(d * d, axes, _kd(keepdim, keepdims)) / builtins.max(n - correction, 0)


def _maxmin(x, dim, keepdim, axis, keepdims, is_max, name):
    axes = norm_axes(dim, axis, x.ndim, name)
    kd = _kd(keepdim, keepdims)
    if axes is None:
        return MaxMin.apply(x, None, kd, is_max)
    if axes == ():  # a 0-d tensor along "dim 0": the value itself, at index 0
        zero = backend.create(x.array, "zeros", (), dtype=backend.int64)
        return _MaxResult(MaxMin.apply(x, None, kd, is_max), Tensor(zero))
    if len(axes) != 1:  # several dims: the values only, as amax/amin (torch.max takes one)
        from .elementwise_more import amax, amin

        return (amax if is_max else amin)(x, axes, kd)
    vals, idx = MaxMin.apply(x, axes[0], kd, is_max)
    return _MaxResult(vals, idx)


class _MaxResult(tuple):
    """``(values, indices)``, also readable as ``.values`` and ``.indices``."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


@declare(MaxMin, methods=("max",))
def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):  # noqa: A001
    """Largest element; with ``dim``, returns ``(values, indices)`` along it. ``out``: None
    only."""
    _no_out(out, "max")
    return _maxmin(x, dim, keepdim, axis, keepdims, True, "max")


@declare(MaxMin, methods=("min",))
def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):  # noqa: A001
    """Smallest element; with ``dim``, returns ``(values, indices)`` along it. ``out``: None
    only."""
    _no_out(out, "min")
    return _maxmin(x, dim, keepdim, axis, keepdims, False, "min")


@declare(None, methods=("argmax",))
def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the largest element (flattened when ``dim`` is None); never differentiable."""
    return _arg(x, dim, keepdim, axis, keepdims, True)


@declare(None, methods=("argmin",))
def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the smallest element (flattened when ``dim`` is None); never differentiable."""
    return _arg(x, dim, keepdim, axis, keepdims, False)


def _arg(x, dim, keepdim, axis, keepdims, is_max):
    xp = backend.namespace(x.array)
    axes = norm_axes(dim, axis, x.ndim, "argmax" if is_max else "argmin")
    f = xp.argmax if is_max else xp.argmin
    if axes is None:
        return Tensor(xp.astype(f(xp.reshape(x.array, (-1,))), backend.native_dtype(
            xp, backend.int64)))
    return Tensor(xp.astype(f(x.array, axis=axes[0], keepdims=_kd(keepdim, keepdims)),
                            backend.native_dtype(xp, backend.int64)))


@declare(LogSumExp, methods=("logsumexp",))
def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``log(sum(exp(x)))`` over ``dim``, without overflow."""
    x = floating(x, "logsumexp")
    return LogSumExp.apply(x, norm_axes(dim, axis, x.ndim, "logsumexp"), _kd(keepdim, keepdims))


@declare(Norm2, methods=("norm",))
def norm(x, p=2, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The 2-norm (Frobenius for matrices) over ``dim``; p=1 gives the sum of ``|x|``."""
    axes = norm_axes(dim, axis, x.ndim, "norm")
    x = floating(x, "norm")
    if p == 2 or p == "fro":
        return Norm2.apply(x, axes, _kd(keepdim, keepdims))
    if p == 1:
        from .unary import abs as _abs

        return Sum.apply(_abs(x), axes, _kd(keepdim, keepdims))
    raise ValueError(f"norm: p={p!r} is not supported; use p=2 ('fro') or p=1")
