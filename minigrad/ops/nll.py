"""Negative log-likelihood of class-index targets for a batch of rows, as one op.

For log-probabilities ``logp`` of shape (N, C) and targets ``t`` (N,) (every one a class in
0..C-1):

    loss_i = -logp[i, t_i],    reduced by mean (/N), sum, or none;
    d loss / d logp = -onehot(t) (times g, /N for mean): only the picked entries get a gradient.

``cross_entropy`` is ``log_softmax`` followed by this op (``nll_loss`` is this op alone) in the
common case: 2-D input, no class weights, no ignored targets, no label smoothing. Other cases
pick with a mask instead (``nn.functional.loss``). The rule is linear in ``g`` and uses only a
constant (the scaled one-hot matrix), so second derivatives come from it unchanged.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .registry import declare
from .xp import xp_of

_SCALE = {"mean": None, "sum": 1.0, "none": 1.0}


class NLLRows(Op):
    """``-logp[i, t_i]`` per row, then ``reduction``. Backward: ``-g * onehot(t)`` (/N for mean)."""

    @staticmethod
    def forward(ctx, logp, t, reduction):
        n, c = logp.shape
        xp = xp_of(logp)
        classes = backend.create(logp, "arange", c)  # the one-hot rows: t_i == 0..C-1
        hot = xp.reshape(t, (n, 1)) == xp.reshape(classes, (1, c))
        picked = -xp.sum(xp.mask(logp, hot), axis=1)  # (a -inf elsewhere in the row stays out)
        onehot = xp.astype(hot, logp.dtype)
        ctx.reduction = reduction
        if reduction == "none":
            ctx.save_for_backward(-onehot)
            return picked
        ctx.save_for_backward(onehot * (-1.0 / n if reduction == "mean" else -1.0))
        total = xp.sum(picked)
        return xp.asarray(total / n if reduction == "mean" else total)

    @staticmethod
    def backward(ctx, g):
        (scaled,) = ctx.saved  # -onehot(t), /N for mean
        if ctx.reduction == "none":
            g = xp_of(g).reshape(g, (g.shape[0], 1))
        return g * scaled, None, None


@declare(NLLRows)
def nll_rows(logp: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """``-logp[i, target_i]`` for (N, C) log-probabilities and (N,) class indices, reduced by
    ``"mean"``, ``"sum"`` or ``"none"``: PyTorch's ``nll_loss`` with no weights and nothing
    ignored. ``cross_entropy`` and ``nll_loss`` call it after checking the targets; call it
    directly only with targets known to be in 0..C-1 (it does not check them)."""
    if reduction not in _SCALE:
        raise ValueError(f"nll_rows: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if not isinstance(logp, Tensor) or not isinstance(target, Tensor) or logp.ndim != 2 or (
            target.shape != logp.shape[:1]) or target.dtype.kind not in "iu":
        got = [(getattr(v, "shape", type(v).__name__), str(getattr(v, "dtype", "")))
               for v in (logp, target)]
        raise ValueError(f"nll_rows: needs logp (N, C) and integer target (N,), got {got}; use "
                         "nn.functional.nll_loss for other shapes")
    return NLLRows.apply(logp, target, reduction)
