"""Binary arithmetic: + - * / ** maximum minimum, and negation.

Each forward records the broadcast (output) shape for both inputs; the backward rule returns
gradients of that shape and the engine sums them back to each input's own shape.
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import broadcast_shape, floating, promote
from .registry import declare
from .xp import xp_of


class Binary(Op):
    """An elementwise op of two operands with NumPy broadcasting. The backward rules return
    gradients of the broadcast shape; the engine sums each back to its input's shape."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        shapes = [tuple(a.shape) for a in args if isinstance(a, Tensor)]
        if len(shapes) == 2:
            broadcast_shape(cls.__name__.lower(), *shapes)  # raises, naming both shapes


class Add(Binary):
    """``a + b``. d/da = 1, d/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Binary):
    """``a - b``. d/da = 1, d/db = -1. Two bool operands are refused (as in NumPy and PyTorch)."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        if all(getattr(a, "dtype", None) == backend.bool_ or isinstance(a, bool) for a in args):
            shapes = [tuple(getattr(a, "shape", ())) for a in args]
            raise TypeError(
                f"sub: both operands are bool (shapes {shapes[0]} and {shapes[1]}); subtracting "
                "bools is not defined. For 'differs' use minigrad.ne(a, b); for arithmetic "
                "convert first, e.g. a.long() - b.long()")

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Binary):
    """``a * b``. d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad  # keep only what the wanted gradients use
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION ex1_1
        a, b = ctx.saved  # (forward kept b only if a needs a gradient, and a only if b does)
        return (None if b is None else g * b), (None if a is None else g * a)
        # END SOLUTION


class Div(Binary):
    """``a / b``. d/da = 1/b, d/db = -a/b**2."""

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad  # d/da needs b only; d/db needs a and b
        ctx.save_for_backward(a if need[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION ex1_2
        a, b = ctx.saved
        need = ctx.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * a / (b * b) if need[1] else None
        return ga, gb
        # END SOLUTION


class Pow(Binary):
    """``a ** b``. d/da = b * a**(b-1) (0 where b = 0, as in PyTorch, so every derivative of
    ``x ** k`` at 0 is finite), d/db = a**b * log(a) (needs a > 0)."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        a, b = args
        kinds = [getattr(v, "dtype", backend.int64 if isinstance(v, int) else None) for v in args]
        negative = b < 0 if isinstance(b, int) else isinstance(b, Tensor) and bool(
            (b.array < 0).any())
        if all(k is not None and k.kind in "iu" for k in kinds) and negative:
            raise ValueError(f"pow: integers to negative integer powers are not allowed (base "
                             f"{kinds[0]} of shape {getattr(a, 'shape', ())}); convert the base "
                             "first, e.g. x.float() ** -1")

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved
        ga = None if not ctx.needs_input_grad[0] else _pow_da(g, a, b)
        gb = None if not ctx.needs_input_grad[1] else g * out * (  # a Python base takes math.log
            xp_of(g).log(a) if hasattr(a, "shape") else math.log(a))
        return ga, gb


def _pow_da(g, a, b):
    """d(a**b)/da = b a**(b-1), and 0 where b = 0 (x ** 0 is constant; 0 * 0**-1 would be NaN)."""
    if not hasattr(b, "shape"):
        return g * 0.0 if b == 0 else g * b * a ** (b - 1)
    return xp_of(g).where(b == 0, 0.0, g * b * a ** (b - 1))


class Reciprocal(Op):
    """``1 / a``. d/da = -1/a**2 = -out**2, from the saved output (as PyTorch's reciprocal)."""

    @staticmethod
    def forward(ctx, a):
        out = 1 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return (-g * out * out,)


@declare(Reciprocal, methods=("reciprocal",))
def reciprocal(a):
    """Elementwise ``1 / a`` (integers in the default float dtype)."""
    return Reciprocal.apply(floating(a, "reciprocal"))


class Neg(Op):
    """``-a``. d/da = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return (-g,)


class Maximum(Binary):
    """Elementwise ``maximum(a, b)``; at ties the gradient is split evenly."""

    @staticmethod
    def forward(ctx, a, b):
        out = _ns(a, b).maximum(a, b)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        return _pick(ctx, g, greater=True)


class Minimum(Binary):
    """Elementwise ``minimum(a, b)``; at ties the gradient is split evenly."""

    @staticmethod
    def forward(ctx, a, b):
        out = _ns(a, b).minimum(a, b)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        return _pick(ctx, g, greater=False)


def _ns(a, b):
    from .. import backend

    return backend.namespace(a if hasattr(a, "shape") else b)


def _pick(ctx, g, greater):
    a, b = ctx.saved
    xp = xp_of(g)
    win_a = (a > b) if greater else (a < b)
    tie = a == b
    half = g * 0.5
    ga = xp.where(win_a, g, xp.where(tie, half, 0.0)) if ctx.needs_input_grad[0] else None
    gb = xp.where(win_a, 0.0, xp.where(tie, half, g)) if ctx.needs_input_grad[1] else None
    return ga, gb


# ----------------------------------------------------------------------------- functions
def _number_ready(a, b) -> bool:
    """No conversion needed for a Python number with a float Tensor that requires grad (the
    Tensor's dtype wins, as in PyTorch)."""
    return type(a) in _NUMBERS and b._rg if type(b) is Tensor else type(b) in _NUMBERS and (
        type(a) is Tensor and a._rg)


_NUMBERS = (int, float)


def _binary(op_name, cls):
    def fn(a, b):
        if type(a) is not Tensor or type(b) is not Tensor or a.array.dtype != b.array.dtype:
            if not _number_ready(a, b):
                a, b = promote(op_name, a, b)
        return cls.apply(a, b)

    fn.__name__ = op_name
    fn.__doc__ = f"Elementwise ``{op_name}`` with NumPy broadcasting. {cls.__doc__}"
    return fn


add = declare(Add, methods=("__add__", "add"), rmethods=("__radd__",))(_binary("add", Add))


sub = declare(Sub, "subtract", methods=("__sub__", "sub"), rmethods=("__rsub__",))(
    _binary("sub", Sub))


subtract = sub
mul = declare(Mul, "multiply", methods=("__mul__", "mul"), rmethods=("__rmul__",))(
    _binary("mul", Mul))
multiply = mul
@declare(Div, "divide", "true_divide", methods=("__truediv__", "div"),
         rmethods=("__rtruediv__",))
def div(a, b):
    """Elementwise true division with NumPy broadcasting; integer operands divide in the default
    float dtype. d/da = 1/b, d/db = -a/b**2. A number divided by a tensor is
    ``reciprocal(b) * a`` (as in PyTorch), so it keeps only its output for backward."""
    if isinstance(b, Tensor) and not isinstance(a, Tensor) and backend.py_scalar(a) is not None:
        return mul(reciprocal(b), backend.py_scalar(a))
    a, b = promote("div", a, b)
    a = floating(a, "div") if isinstance(a, Tensor) else a
    b = floating(b, "div") if isinstance(b, Tensor) else b
    return Div.apply(a, b)


divide = div
true_divide = div
pow = declare(Pow, methods=("__pow__", "pow"), rmethods=("__rpow__",))(  # noqa: A001
    _binary("pow", Pow))
maximum = declare(Maximum, methods=("maximum",))(_binary("maximum", Maximum))
minimum = declare(Minimum, methods=("minimum",))(_binary("minimum", Minimum))


@declare(Neg, "negative", methods=("__neg__", "neg", "negative"))
def neg(a):
    """``-a``."""
    return Neg.apply(a)


negative = neg
