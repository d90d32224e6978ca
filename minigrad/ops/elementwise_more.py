"""More of PyTorch's elementwise functions and reductions: ``log1p``, ``expm1``, ``erf`` (ops of
their own, for accuracy near 0), the activations ``leaky_relu``, ``elu``, ``softplus``,
``gelu``, ``silu`` (composites), ``std``, ``amax``/``amin`` over several dims, and the
comparisons ``isclose``/``allclose``/``equal`` (not differentiable)."""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from . import arithmetic, compare, reduce, unary
from .operands import floating
from .registry import declare
from .xp import xp_of


class Log1p(Op):
    """``log(1 + x)``, accurate for small x. d/dx = 1 / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.namespace(x).log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g / (1 + x)


class Expm1(Op):
    """``exp(x) - 1``, accurate for small x. d/dx = exp(x) = out + 1."""

    @staticmethod
    def forward(ctx, x):
        out = backend.namespace(x).expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * (out + 1)


class Erf(Op):
    """The error function. d/dx = 2/sqrt(pi) exp(-x^2). The array libraries have no ``erf``
    (NumPy lacks one), so the forward computes Python's ``math.erf`` element by element on the
    host: exact, but slow for large tensors."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        host = backend.to_numpy(x)
        flat = [math.erf(v) for v in host.reshape(-1).tolist()]
        out = backend.scalar_array(flat, host.dtype).reshape(host.shape)
        return backend.from_numpy(out, backend.device_of(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g * (2 / math.sqrt(math.pi)) * xp_of(g).exp(-(x * x))


@declare(Log1p, methods=("log1p",))
def log1p(x):
    """``log(1 + x)`` elementwise, accurate where x is small."""
    return Log1p.apply(floating(x, "log1p"))


@declare(Expm1, methods=("expm1",))
def expm1(x):
    """``exp(x) - 1`` elementwise, accurate where x is small."""
    return Expm1.apply(floating(x, "expm1"))


@declare(Erf, methods=("erf",))
def erf(x):
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``."""
    return Erf.apply(floating(x, "erf"))


# ----------------------------------------------------------------------------- activations
def _positive(x):
    return compare.gt(x, 0.0)


@declare(None)
def leaky_relu(input, negative_slope=0.01):
    """``x`` where x > 0, ``negative_slope * x`` elsewhere (gradient ``negative_slope`` at 0,
    as PyTorch)."""
    x = floating(input, "leaky_relu")
    return compare.where(_positive(x), x, arithmetic.mul(x, negative_slope))


@declare(None)
def elu(input, alpha=1.0):
    """``x`` where x > 0, ``alpha * (exp(x) - 1)`` elsewhere. The exponential sees
    ``min(x, 0)`` only, so large x cannot overflow into the unused branch's gradient."""
    x = floating(input, "elu")
    pos = _positive(x)
    neg = arithmetic.mul(expm1(compare.where(pos, 0.0, x)), alpha)
    return compare.where(pos, x, neg)


@declare(None)
def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, computed as ``max(bx, 0) + log1p(exp(-|bx|))``
    (no overflow), and ``x`` itself where ``beta x > threshold`` (as PyTorch)."""
    x = floating(input, "softplus")
    bx = x if beta == 1 else arithmetic.mul(x, beta)
    smooth = arithmetic.add(unary.relu(bx), log1p(unary.exp(arithmetic.neg(unary.abs(bx)))))
    smooth = smooth if beta == 1 else arithmetic.div(smooth, beta)
    return compare.where(compare.gt(bx, threshold), x, smooth)


@declare(None)
def gelu(input, approximate="none"):
    """Gaussian error linear unit ``x * Phi(x)``: exact (``0.5 x (1 + erf(x / sqrt 2))``) or,
    with ``approximate='tanh'``, ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    x = floating(input, "gelu")
    if approximate == "tanh":
        inner = arithmetic.mul(arithmetic.add(x, arithmetic.mul(arithmetic.pow(x, 3), 0.044715)),
                               math.sqrt(2 / math.pi))
        return arithmetic.mul(arithmetic.mul(x, 0.5), arithmetic.add(unary.tanh(inner), 1.0))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return arithmetic.mul(arithmetic.mul(x, 0.5),
                          arithmetic.add(erf(arithmetic.mul(x, 1 / math.sqrt(2))), 1.0))


@declare(None)
def silu(input):
    """``x * sigmoid(x)`` (also called swish)."""
    x = floating(input, "silu")
    return arithmetic.mul(x, unary.sigmoid(x))


# ----------------------------------------------------------------------------- reductions
@declare(None, methods=("std",))
def std(x, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None, keepdims=None):
    """Standard deviation, ``sqrt(var)``, with ``correction`` (or ``unbiased``) as PyTorch."""
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return unary.sqrt(reduce.var(x, dim, keepdim, correction=correction, axis=axis,
                                 keepdims=keepdims))


def _extreme(x, dim, keepdim, is_max, name):
    x = floating(x, name) if x.dtype.kind == "b" else x
    axes = reduce.norm_axes(None if dim == () else dim, None, x.ndim, name)
    xp = backend.namespace(x.array)
    f = xp.max if is_max else xp.min
    m = f(x.array, axis=axes, keepdims=True)
    if x.dtype.kind != "f":  # no gradient: just the values
        return Tensor(m if keepdim else xp.reshape(m, reduce._reduced(x.shape, axes)))
    tie = x.array == m
    count = xp.sum(xp.astype(tie, x.array.dtype), axis=axes, keepdims=True)
    # m + sum over ties of (x - m) / count: exactly m, and the gradient splits evenly over ties
    mt = Tensor(m)
    d = compare.where(Tensor(tie), arithmetic.sub(x, mt), 0.0)
    out = arithmetic.add(reduce.sum(arithmetic.div(d, Tensor(count)), dim=axes, keepdim=True), mt)
    return out if keepdim else shape_reduced(out, x.shape, axes)


def shape_reduced(out, shape, axes):
    from .shape import reshape

    return reshape(out, reduce._reduced(shape, axes))


@declare(None, methods=("amax",))
def amax(input, dim=(), keepdim=False):
    """The largest value over ``dim`` (an int or a tuple; ``()`` means all), as ``torch.amax``;
    the gradient is split evenly between tied maxima."""
    return _extreme(input, dim, keepdim, True, "amax")


@declare(None, methods=("amin",))
def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (an int or a tuple; ``()`` means all)."""
    return _extreme(input, dim, keepdim, False, "amin")


# ----------------------------------------------------------------------------- comparisons
def _arrays(fn, a, b):
    from .operands import broadcast_shape, promote

    a, b = promote(fn, a, b)
    a = a if isinstance(a, Tensor) else Tensor(backend.scalar_array(a))
    b = b if isinstance(b, Tensor) else Tensor(backend.scalar_array(b))
    broadcast_shape(fn, a.shape, b.shape)
    return a.array, b.array


@declare(None, methods=("isclose",))
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (a bool tensor), as PyTorch."""
    a, b = _arrays("isclose", input, other)
    xp = backend.namespace(a)
    close = xp.abs(a - b) <= atol + rtol * xp.abs(b)
    close = close | (a == b)  # (infinities of the same sign)
    if equal_nan:
        close = close | (xp.isnan(a) & xp.isnan(b))
    return Tensor(close)


@declare(None, methods=("allclose",))
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every element is :func:`isclose`."""
    c = isclose(input, other, rtol, atol, equal_nan).array
    return bool(backend.namespace(c).all(c))


@declare(None, methods=("equal",))
def equal(input, other) -> bool:
    """True when both tensors have the same shape and the same values, as ``torch.equal``."""
    if not isinstance(other, Tensor) or input.shape != other.shape:
        return False
    a, b = _arrays("equal", input, other)
    return bool(backend.namespace(a).all(a == b))
