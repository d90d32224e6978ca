"""Comparisons (bool results, never differentiable) and ``where`` (differentiable in its values)."""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import broadcast_shape, check_operand, promote
from .registry import declare
from .xp import xp_of


def _compare(name, op):
    def fn(a, b):
        a, b = promote(name, a, b)
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            if a.device != b.device:
                raise RuntimeError(f"{name}: tensors on {a.device} and {b.device}")
            broadcast_shape(name, a.shape, b.shape)
        av = a.array if isinstance(a, Tensor) else a
        bv = b.array if isinstance(b, Tensor) else b
        return Tensor(op(av, bv))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison; returns a bool tensor with no gradient."
    return fn


eq = declare(None, methods=("__eq__", "eq"))(_compare("eq", lambda a, b: a == b))
ne = declare(None, methods=("__ne__", "ne"))(_compare("ne", lambda a, b: a != b))
lt = declare(None, methods=("__lt__", "lt"))(_compare("lt", lambda a, b: a < b))
le = declare(None, methods=("__le__", "le"))(_compare("le", lambda a, b: a <= b))
gt = declare(None, methods=("__gt__", "gt"))(_compare("gt", lambda a, b: a > b))
ge = declare(None, methods=("__ge__", "ge"))(_compare("ge", lambda a, b: a >= b))


class Where(Op):
    """``cond ? a : b`` elementwise; the gradient goes to ``a`` where cond holds, else to ``b``."""

    @staticmethod
    def forward(ctx, cond, a, b):
        xp = backend.namespace(cond)
        out = xp.where(cond, a, b)
        ctx.save_for_backward(cond)
        return out

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved
        xp = xp_of(g)
        need = ctx.needs_input_grad
        ga = xp.where(cond, g, 0.0) if need[1] else None
        gb = xp.where(cond, 0.0, g) if need[2] else None
        return None, ga, gb


@declare(Where)
def where(cond, a, b):
    """Pick from ``a`` where ``cond`` is true and from ``b`` elsewhere (broadcasting)."""
    if not isinstance(cond, Tensor) or cond.dtype != backend.bool_:
        raise TypeError("where: the condition must be a bool Tensor (e.g. x > 0)")
    a, b = promote("where", a, b)
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        like = Tensor(backend.from_numpy(backend.scalar_array(a), cond.device))
        a = like
    shapes = [cond.shape] + [t.shape for t in (a, b) if isinstance(t, Tensor)]
    s = shapes[0]
    for t in shapes[1:]:
        s = broadcast_shape("where", s, t)
    check_operand("where", b)
    return Where.apply(cond, a, b)
