"""Negative log-likelihood of class-index targets for a batch of rows, as one op.

For log-probabilities ``logp`` of shape (N, C) and targets ``t`` (N,) (every one a class in
0..C-1):

    loss_i = -logp[i, t_i],    reduced by mean (/N), sum, or none;
    d loss / d logp = -onehot(t) (times g, /N for mean): only the picked entries get a gradient.

``cross_entropy`` is ``log_softmax`` followed by this op (``nll_loss`` is this op alone) in the
common case: 2-D input, no class weights, no ignored targets, no label smoothing. Other cases
pick with a mask instead (``nn.functional.loss``). Forward gathers, backward scatters back
(``index_add``, itself differentiable), so second derivatives come from the same rule.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .registry import declare
from .xp import xp_of

_REDUCTIONS = ("mean", "sum", "none")


class NLLRows(Op):
    """``-logp[i, t_i]`` per row, then ``reduction``. Backward: ``-g`` at each ``(i, t_i)`` (/N
    for mean), 0 elsewhere."""

    @staticmethod
    def forward(ctx, logp, t, reduction):
        n, c = logp.shape
        ctx.index = (backend.create(logp, "arange", n), t)  # (i, t_i) for every row
        ctx.shape, ctx.reduction = (n, c), reduction
        picked = -xp_of(logp).getitem(logp, ctx.index)  # a gather
        if reduction == "none":
            return picked
        total = xp_of(logp).sum(picked)
        return total / n if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        g = g * (-1.0 / ctx.shape[0] if ctx.reduction == "mean" else -1.0)  # (a 0-d g: every row)
        return xp_of(g).index_add(ctx.shape, ctx.index, g), None, None  # back where it was picked


@declare(NLLRows)
def nll_rows(logp: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """``-logp[i, target_i]`` for (N, C) log-probabilities and (N,) class indices, reduced by
    ``"mean"``, ``"sum"`` or ``"none"``: PyTorch's ``nll_loss`` with no weights and nothing
    ignored; a target outside 0..C-1 raises IndexError. ``cross_entropy`` and ``nll_loss`` apply
    its op directly, after their own (fuller) target checks."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"nll_rows: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if not isinstance(logp, Tensor) or not isinstance(target, Tensor) or logp.ndim != 2 or (
            target.shape != logp.shape[:1]) or target.dtype.kind not in "iu":
        got = [(getattr(v, "shape", type(v).__name__), str(getattr(v, "dtype", "")))
               for v in (logp, target)]
        raise ValueError(f"nll_rows: needs logp (N, C) and integer target (N,), got {got}; use "
                         "nn.functional.nll_loss for other shapes")
    host, c = backend.to_numpy(target.array), logp.shape[1]  # (a negative index would pick
    if host.size and (host.min() < 0 or host.max() >= c):  # from the end of the row)
        raise IndexError(f"nll_rows: target {int(host[(host < 0) | (host >= c)][0])} is out of "
                         f"range for {c} classes (valid: 0..{c - 1})")
    return NLLRows.apply(logp, target, reduction)
