"""Reductions: sum, mean, var, max/min, argmax/argmin, logsumexp, norm.

Each takes ``dim``/``keepdim`` (PyTorch) or ``axis``/``keepdims`` (NumPy). The backward of a
reduction puts the reduced axes back (a reshape) and broadcasts the gradient over them.
"""
from __future__ import annotations

import builtins

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import floating
from .registry import declare
from .xp import xp_of


def norm_axes(dim, axis, ndim, op="reduction"):
    """Normalise ``dim``/``axis`` to a sorted tuple of non-negative axes (None: all)."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass dim or axis, not both")
    d = dim if dim is not None else axis
    if d is None:
        return None
    if ndim == 0:  # a 0-d tensor: dim 0 / -1 name the tensor itself (PyTorch); nothing to reduce
        if isinstance(d, int):
            d = (d,)
        for a in d:
            if int(a) not in (0, -1):
                raise IndexError(f"{op}: dimension {a} is out of range for a 0-d tensor")
        return ()
    if isinstance(d, int):
        d = (d,)
    out = []
    for a in d:
        a = int(a)
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise IndexError(f"{op}: dimension {a} is out of range for a tensor with {ndim} dims")
        out.append(a % builtins.max(ndim, 1))
    return tuple(sorted(set(out)))


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
        xp = backend.namespace(x)
        return xp.asarray(xp.sum(x, axis=axes, keepdims=keepdims))  # (an array, not a scalar)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        return xp.broadcast_to(xp.reshape(g, ctx.kept), ctx.shape), None, None


class Mean(Op):
    """Mean over ``axes``; the gradient is the upstream gradient / n, broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.shape = tuple(x.shape)
        ctx.axes, ctx.keepdims = axes, keepdims
        n = 1
        for i, s in enumerate(x.shape):
            if axes is None or i in axes:
                n *= s
        ctx.n = n
        return backend.namespace(x).mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        if not ctx.keepdims:
            g = xp.reshape(g, _kshape(ctx.shape, ctx.axes))
        return xp.broadcast_to(g / ctx.n, ctx.shape), None, None


class MaxMin(Op):
    """Max (or min) over one axis, or over everything; returns values (and indices)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, is_max):
        xp = backend.namespace(x)
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


class LogSumExp(Op):
    """``log(sum(exp(x)))`` computed stably; the gradient is softmax(x) times g."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = backend.namespace(x)
        m = xp.max(x, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0.0)
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
def _kd(keepdim, keepdims):
    return bool(keepdims if keepdims is not None else keepdim)


@declare(Sum, methods=("sum",))
def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Sum of elements over ``dim`` (all when None)."""
    axes = None if dim is None and axis is None else norm_axes(dim, axis, x.ndim, "sum")
    return Sum.apply(x, axes, bool(keepdim if keepdims is None else keepdims))


@declare(Mean, methods=("mean",))
def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean of elements over ``dim`` (all when None)."""
    if x.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating tensor, got {x.dtype}; use .float() first")
    return Mean.apply(x, norm_axes(dim, axis, x.ndim, "mean"), _kd(keepdim, keepdims))


@declare(None, methods=("var",))
def var(x, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
    """Variance over ``dim`` with ``correction`` (1: unbiased, Bessel's correction)."""
    axes = norm_axes(dim, axis, x.ndim, "var")
    n = 1
    for i, s in enumerate(x.shape):
        if axes is None or i in axes:
            n *= s
    d = x - Mean.apply(x, axes, True)
    return Sum.apply(d * d, axes, _kd(keepdim, keepdims)) / (n - correction)


def _maxmin(x, dim, keepdim, axis, keepdims, is_max, name):
    axes = norm_axes(dim, axis, x.ndim, name)
    kd = _kd(keepdim, keepdims)
    if axes is None:
        return MaxMin.apply(x, None, kd, is_max)
    if axes == ():  # a 0-d tensor along "dim 0": the value itself, at index 0
        zero = backend.create(x.array, "zeros", (), dtype=backend.int64)
        return _MaxResult(MaxMin.apply(x, None, kd, is_max), Tensor(zero))
    if len(axes) != 1:
        raise ValueError(f"{name}: with dim it reduces over one dimension, got {axes}")
    vals, idx = MaxMin.apply(x, axes[0], kd, is_max)
    return _MaxResult(vals, idx)


class _MaxResult(tuple):
    """``(values, indices)``, also readable as ``.values`` and ``.indices``."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


@declare(MaxMin, methods=("max",))
def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Largest element; with ``dim``, returns ``(values, indices)`` along it."""
    return _maxmin(x, dim, keepdim, axis, keepdims, True, "max")


@declare(MaxMin, methods=("min",))
def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Smallest element; with ``dim``, returns ``(values, indices)`` along it."""
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
