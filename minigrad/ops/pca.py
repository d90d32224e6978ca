"""The PCA-style loss on a reduction matrix, as one op: ``-trace(W.T @ S @ W)``.

For ``W`` of shape (in, out) (columns are the directions) and a covariance ``S`` (in, in):

    L = -tr(Wᵀ S W),   dL/dW = -(S + Sᵀ) W,   dL/dS = -W Wᵀ.

Minimising L pushes W's columns towards directions of large variance. It is unbounded (scale W up
and L goes to -inf): the lessons bound it by normalising columns, retraction, or a penalty, or
swap this gradient for Oja's rule with ``override_gradient``. For an ``nn.Linear`` weight of shape
(out, in) the same loss is ``-trace(W @ S @ W.T)``: pass ``weight.T``.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class PCALoss(Function):
    """``-trace(W.T @ S @ W)`` with its closed-form gradients."""

    raw = True

    @staticmethod
    def forward(ctx, W, S):
        ctx.save_for_backward(W, S)
        SW = S @ W
        return -(W * SW).sum()

    @staticmethod
    def backward(ctx, g):
        W, S = ctx.saved
        xp = ctx.xp
        need = ctx.needs_input_grad
        gW = -g * xp.matmul(S + xp.matrix_transpose(S), W) if need[0] else None
        gS = -g * xp.matmul(W, xp.matrix_transpose(W)) if need[1] else None
        return gW, gS


def pca_loss(W: Tensor, S: Tensor) -> Tensor:
    """PCA-style loss ``-trace(W.T @ S @ W)`` for ``W`` (in, out) and covariance ``S`` (in, in)."""
    if W.ndim != 2 or S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] != W.shape[0]:
        raise ValueError(
            f"pca_loss: needs W of shape (in, out) and S of shape (in, in); got W {W.shape} and "
            f"S {S.shape}. For an nn.Linear weight (out, in) pass weight.T"
        )
    if W.dtype != S.dtype:
        raise TypeError(f"pca_loss: W is {W.dtype} but S is {S.dtype}; convert one with .to()")
    return PCALoss.apply(W, S)
