"""Softmax and log-softmax along a dim, both computed stably (shifted by the max)."""
from __future__ import annotations

from ..autograd.function import Op
from .operands import floating
from .registry import declare
from .xp import xp_of


class Softmax(Op):
    """``exp(x) / sum(exp(x))`` along ``dim``. Backward: y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = xp_of(x)
        e = xp.exp(x - (0.0 if x.shape[dim] == 0 else xp.max(x, axis=dim, keepdims=True)))
        out = e / xp.sum(e, axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION ex3_1
        (y,) = ctx.saved
        return y * (g - xp_of(g).sum(g * y, axis=ctx.dim, keepdims=True)), None
        # END SOLUTION


class LogSoftmax(Op):
    """``x - logsumexp(x)`` along ``dim``. Backward: g - softmax(x) * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = xp_of(x)
        shifted = x - (0.0 if x.shape[dim] == 0 else xp.max(x, axis=dim, keepdims=True))
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION ex3_2
        (out,) = ctx.saved
        xp = xp_of(g)
        return g - xp.exp(out) * xp.sum(g, axis=ctx.dim, keepdims=True), None
        # END SOLUTION


def _dim(x, dim, op="softmax"):
    if not hasattr(dim, "__index__"):
        raise TypeError(f"{op}: dim must be an int, got {dim!r} (tensor of shape {x.shape})")
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of shape {x.shape} "
                         f"(valid: {-max(x.ndim, 1)}..{max(x.ndim, 1) - 1})")
    return dim % max(x.ndim, 1)


@declare(Softmax, methods=("softmax",))
def softmax(x, dim=-1):
    """Softmax along ``dim`` (default: the last)."""
    return Softmax.apply(floating(x, "softmax"), _dim(x, dim))


@declare(LogSoftmax, methods=("log_softmax",))
def log_softmax(x, dim=-1):
    """Log of softmax along ``dim``, without overflow for large logits."""
    return LogSoftmax.apply(floating(x, "log_softmax"), _dim(x, dim, "log_softmax"))
