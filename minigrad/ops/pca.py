"""The PCA-style loss on a reduction matrix, as one op: ``-trace(W.T @ S @ W)``.

For ``W`` of shape (in, out) (columns are the directions) and a covariance ``S`` (in, in):

    L = -tr(Wᵀ S W),   dL/dW = -(S + Sᵀ) W,   dL/dS = -W Wᵀ.

Minimising L pushes W's columns towards directions of large variance. It is unbounded (scale W up
and L goes to -inf): the lessons bound it by normalising columns, retraction, or a penalty, or
swap this gradient for Oja's rule with ``override_gradient``. For an ``nn.Linear`` weight of shape
(out, in) the same loss is ``-trace(W @ S @ W.T)``: pass ``weight.T``.

Oja's subspace rule (Oja 1989) updates ``W <- W + lr (S W - W (Wᵀ S W))``. It is not the gradient
of any loss (its Jacobian is not symmetric), but it is an SGD step whose "gradient" is
``oja_direction(W, S) = -(S W - W Wᵀ S W)``; ``oja_rule`` is that direction as a backward rule for
``PCALoss``, so ``with override_gradient(pca_loss, oja_rule)`` turns SGD on the loss into Oja.
For symmetric S it is the true gradient ``-2 S W`` projected by ``(I - W Wᵀ)`` and halved: the
Riemannian gradient on the Stiefel manifold, which keeps ``Wᵀ W`` near ``I``.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .registry import declare
from .xp import xp_of


class PCALoss(Op):
    """``-trace(W.T @ S @ W)`` with its closed-form gradients."""

    @staticmethod
    def forward(ctx, W, S):
        ctx.save_for_backward(W, S)
        SW = S @ W
        return -backend.namespace(W).sum(W * SW)  # array-API spelling: CuPy and strict too

    @staticmethod
    def backward(ctx, g):
        W, S = ctx.saved
        xp = xp_of(g)
        need = ctx.needs_input_grad
        gW = -g * xp.matmul(S + xp.matrix_transpose(S), W) if need[0] else None
        gS = -g * xp.matmul(W, xp.matrix_transpose(W)) if need[1] else None
        return gW, gS


@declare(PCALoss)
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


def oja_direction(W: Tensor, S: Tensor) -> Tensor:
    """``-(S W - W (Wᵀ S W))``: put it in ``W.grad`` and an SGD step is Oja's subspace rule."""
    SW = S @ W
    return -(SW - W @ (W.T @ SW))


def oja_rule(ctx, g):
    """A ``PCALoss`` backward rule for ``override_gradient``: Oja's direction (times the upstream
    ``g``) for W, no factor 2; S keeps its usual gradient ``-g W Wᵀ``."""
    W, S = ctx.saved_tensors
    need = ctx.needs_input_grad
    return (oja_direction(W, S) * g if need[0] else None,
            -g * (W @ W.T) if need[1] else None)
