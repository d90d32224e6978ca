"""Elementwise functions of one tensor, each with its derivative beside it."""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import clip_bound, floating
from .registry import declare
from .xp import xp_of


class Exp(Op):
    """``exp(x)``; d/dx = exp(x), so the output is saved."""

    @staticmethod
    def forward(ctx, x):
        out = backend.namespace(x).exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return (g * out,)


class Log(Op):
    """``log(x)``; d/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.namespace(x).log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g / x,)


class Sqrt(Op):
    """``sqrt(x)``; d/dx = 1 / (2 sqrt(x))."""

    @staticmethod
    def forward(ctx, x):
        out = backend.namespace(x).sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return (g / (2 * out),)


class Square(Op):
    """``x * x``; d/dx = 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * (2 * x),)


class Abs(Op):
    """``|x|``; d/dx = sign(x) (0 at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.namespace(x).abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * xp_of(g).sign(x),)


class Sin(Op):
    """``sin(x)``; d/dx = cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.namespace(x).sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * xp_of(g).cos(x),)


class Cos(Op):
    """``cos(x)``; d/dx = -sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.namespace(x).cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (-g * xp_of(g).sin(x),)


class Tanh(Op):
    """``tanh(x)``; d/dx = 1 - tanh(x)**2, from the saved output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(out := xp_of(x).tanh(x))  # tanh' = 1 - tanh**2
        return out

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION ex1_3
        (out,) = ctx.saved
        return (g * (1 - out * out),)
        # END SOLUTION


class Sigmoid(Op):
    """``1 / (1 + exp(-x))``, computed stably; d/dx = s (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.namespace(x)
        e = xp.exp(-xp.abs(x))  # never overflows
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return (g * out * (1 - out),)


class Relu(Op):
    """``max(x, 0)``; d/dx = 1 where x > 0, else 0 (0 at the kink)."""

    @staticmethod
    def forward(ctx, x):
        out = xp_of(x).maximum(x, 0)  # (an int 0 keeps int tensors int)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return (xp_of(g).mask(g, out > 0),)


class Clip(Op):
    """``clip(x, lo, hi)``; gradient 1 inside [lo, hi], 0 outside."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        for name, b in zip(("min", "max"), args[1:]):
            if b is not None and not isinstance(b, (int, float, Tensor)) and not (
                    backend.is_array(b) and b.dtype.kind in "biuf"):
                raise TypeError(f"clip: {name} must be a number, a Tensor or None, got "
                                f"{b!r} (of type {type(b).__name__}) for a tensor of shape "
                                f"{args[0].shape} and dtype {args[0].dtype}; e.g. "
                                "x.clip(min=0.0, max=1.0)")

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return backend.namespace(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        lo, hi = ctx.bounds
        xp = xp_of(g)
        keep = g
        if lo is not None:
            keep = xp.where(x >= lo, keep, 0.0)
        if hi is not None:
            keep = xp.where(x <= hi, keep, 0.0)
        return keep, None, None


class ZeroGrad(Op):
    """Piecewise-constant functions (``sign``, ``round``): the derivative is 0 almost everywhere."""

    fn_name = None

    @staticmethod
    def backward(ctx, g):
        return (g * 0,)


class Sign(ZeroGrad):
    """``sign(x)``: -1, 0 or 1; zero gradient."""

    @staticmethod
    def forward(ctx, x):
        return backend.namespace(x).sign(x)


class Round(ZeroGrad):
    """``round(x)`` to the nearest integer (halves to even); zero gradient."""

    @staticmethod
    def forward(ctx, x):
        return backend.namespace(x).round(x)


@declare(Exp, methods=("exp",))
def exp(x):
    """Elementwise e**x."""
    return Exp.apply(floating(x, "exp"))


@declare(Log, methods=("log",))
def log(x):
    """Elementwise natural logarithm."""
    return Log.apply(floating(x, "log"))


@declare(Sqrt, methods=("sqrt",))
def sqrt(x):
    """Elementwise square root."""
    return Sqrt.apply(floating(x, "sqrt"))


@declare(Square, methods=("square",))
def square(x):
    """Elementwise x**2."""
    return Square.apply(x)


@declare(Abs, methods=("abs", "__abs__"))
def abs(x):  # noqa: A001 - PyTorch's name
    """Elementwise absolute value."""
    return Abs.apply(x)


@declare(Sin, methods=("sin",))
def sin(x):
    """Elementwise sine."""
    return Sin.apply(floating(x, "sin"))


@declare(Cos, methods=("cos",))
def cos(x):
    """Elementwise cosine."""
    return Cos.apply(floating(x, "cos"))


@declare(Tanh, methods=("tanh",))
def tanh(x):
    """Elementwise hyperbolic tangent."""
    return Tanh.apply(floating(x, "tanh"))


@declare(Sigmoid, methods=("sigmoid",))
def sigmoid(x):
    """Elementwise logistic function."""
    return Sigmoid.apply(floating(x, "sigmoid"))


@declare(Relu, methods=("relu",))
def relu(x):
    """Elementwise max(x, 0)."""
    return Relu.apply(x)


@declare(Clip, "clamp", methods=("clip", "clamp"))
def clip(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Clamp values to ``[min, max]`` (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    if type(min) not in _BOUNDS or type(max) not in _BOUNDS:  # (NumPy scalars; lists refused)
        min, max = clip_bound("min", min, x), clip_bound("max", max, x)
    return Clip.apply(x, min, max)


_BOUNDS = (int, float, type(None), Tensor)


clamp = clip


@declare(Sign, methods=("sign",))
def sign(x):
    """Elementwise sign (-1, 0, 1); its gradient is zero."""
    return Sign.apply(x)


@declare(Round, methods=("round",))
def round(x):  # noqa: A001 - PyTorch's name
    """Elementwise rounding to the nearest integer; its gradient is zero."""
    return Round.apply(x)
