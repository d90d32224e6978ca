"""The worked example: a reduction layer W trained by a cross-entropy head *and* a PCA loss whose
gradient is swapped for Oja's subspace direction, written four ways.

Model (float64, columns of W are directions): ``Z = X @ W`` (n, k), ``logits = Z @ V`` (n, c),
``loss = CE(logits, y) + alpha * pca_loss(W, S)`` with ``S`` the mini-batch covariance of X.
(For an ``nn.Linear`` weight of shape (out, in) use ``pca_loss(weight.T, S)``, i.e.
``-trace(weight @ S @ weight.T)``.) Only the PCA path's share of ``W.grad`` changes: ``alpha *
oja_direction(W, S)`` replaces ``alpha * -(S + Sᵀ) W``.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad.ops.pca import oja_direction, oja_rule, pca_loss


def covariance(X):
    """Mini-batch covariance ``Xcᵀ Xc / (n - 1)`` built with minigrad ops (in the graph)."""
    Xc = X - X.mean(dim=0, keepdim=True)
    return Xc.T @ Xc / (X.shape[0] - 1)


def cross_entropy(logits, y):
    """Mean of ``-log softmax(logits)[i, y_i]``, from minigrad ops (no nn needed)."""
    lp = mg.log_softmax(logits, dim=1)
    return -lp[mg.arange(logits.shape[0], device=logits.device), y].mean()


# ---------------------------------------------------------------- way 1: a new op (Function)
class OjaPCALoss(mg.Function):
    """``-trace(Wᵀ S W)`` forward; backward returns Oja's direction for W (not the gradient)."""

    @staticmethod
    def forward(ctx, W, S):
        ctx.save_for_backward(W, S)
        return -(W * (S @ W)).sum()

    @staticmethod
    def backward(ctx, g):
        W, S = ctx.saved_tensors
        return oja_direction(W, S) * g, -g * (W @ W.T)


def pca_loss_function(W, S):
    return OjaPCALoss.apply(W, S)


# ---------------------------------------------------------------- way 2: custom_gradient
@mg.custom_gradient
def pca_loss_custom(W, S):
    def backward_fn(g):
        return oja_direction(W, S) * g, -g * (W @ W.T)
    return pca_loss(W, S), backward_fn


# ---------------------------------------------------------------- way 3: a hook on W's PCA path
def pca_loss_hooked(W, S):
    """The built-in op on ``W * 1`` (an intermediate used only by the PCA loss, so its hook sees
    only that loss's gradient ``-g (S + Sᵀ) W``). For symmetric S, Oja's direction is that
    gradient projected by ``(I - W Wᵀ)`` and halved, which the hook returns instead."""
    W_pca = W * 1.0
    Wc = W.detach()
    W_pca.register_hook(lambda grad: 0.5 * (grad - Wc @ (Wc.T @ grad)))
    return pca_loss(W_pca, S)


# ---------------------------------------------------------------- way 4: the scoped swap
def pca_loss_scoped(W, S):
    with mg.override_gradient(pca_loss, oja_rule):
        return pca_loss(W, S)


WAYS = {"function": pca_loss_function, "custom_gradient": pca_loss_custom,
        "hook": pca_loss_hooked, "override_gradient": pca_loss_scoped}


def make_problem(seed=0, n=40, d=6, k=3, c=4):
    """Data (X, y) and parameters (W, V) as float64 numpy arrays, reproducible."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ np.diag(np.linspace(2.0, 0.5, d))
    y = rng.integers(0, c, n)
    W = np.linalg.qr(rng.standard_normal((d, k)))[0]
    V = 0.5 * rng.standard_normal((k, c))
    return X, y, W, V


def model_grads(pca_fn, problem, alpha=0.3, S_in_graph=True, x_requires_grad=False,
                device="cpu"):
    """Build the model on fresh leaves, backward the total loss, return the leaves' grads."""
    Xa, ya, Wa, Va = problem

    def leaf(a, rg):
        return mg.tensor(a, dtype=mg.float64, requires_grad=rg, device=device)

    X, W, V = leaf(Xa, x_requires_grad), leaf(Wa, True), leaf(Va, True)
    S = covariance(X) if S_in_graph else leaf(np.cov(Xa, rowvar=False), False)
    loss = cross_entropy(X @ W @ V, mg.tensor(ya, device=device)) + alpha * pca_fn(W, S)
    loss.backward()
    return {"W": W.grad.numpy(), "V": V.grad.numpy(),
            "X": X.grad.numpy() if x_requires_grad else None}
