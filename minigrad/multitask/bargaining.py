"""Nash-MTL and FairGrad: weights that solve ``G w = w^(-1/alpha)`` (elementwise).

Both are the stationarity condition of the strictly convex
``f(w) = 1/2 w^T G w - sum_i h(w_i)`` over ``w > 0``, with ``h'(w) = w^(-1/alpha)``
(``h = log`` for ``alpha = 1``): a damped Newton method solves it to a relative residual of
``1e-12``. Unlike the other weightings the answer is not invariant to the scale of ``J``: ``w``
scales like ``|J|^(-2 alpha / (1 + alpha))``, which :meth:`_unscale` puts back.
"""
from __future__ import annotations

from ..backend import host_xp as xp
from . import _qp
from .weightings import Weighting


def power_balance(G, alpha: float, iters: int = 100):
    """``w > 0`` with ``w_i (G w)_i^alpha = 1``, i.e. ``G w = w^(-1/alpha)``; None when no
    such ``w`` exists (0 in the convex hull of the gradients: ``f`` is unbounded below)."""
    m = len(G)
    zeros = xp.zeros(m)
    w_mgda, _ = _qp.active_set_qp(G, zeros, zeros, True)
    if float(w_mgda @ G @ w_mgda) <= 1e-14:
        return None, 0.0
    p = 1.0 / alpha

    def f(w):
        h = xp.log(w).sum() if alpha == 1.0 else (w ** (1 - p)).sum() / (1 - p)
        return 0.5 * w @ G @ w - h

    def residual(w):  # |w^(1/alpha) (G w) - 1|: relative, scale-free
        return float(xp.abs((G @ w) * w ** p - 1.0).max())

    w = xp.ones(m) / xp.sqrt(max(float(xp.ones(m) @ G @ xp.ones(m)), 1e-300) / m)
    res = residual(w)
    for _ in range(iters):
        if res <= 1e-12:
            break
        grad = G @ w - w ** (-p)
        step = xp.linalg.solve(G + xp.diag(p * w ** (-p - 1)), -grad)
        t = 1.0
        while t > 1e-20:  # damped: stay positive; decrease f, or (near the end, where f's
            new = w + t * step  # rounding hides progress) the residual
            if xp.all(new > 0) and (f(new) <= f(w) + 1e-4 * t * (grad @ step)
                                    or residual(new) < res):
                break
            t *= 0.5
        w = w + t * step
        res = residual(w)
    return w, res


class NashMTL(Weighting):
    """Nash-MTL (Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik, Fetaya, *Multi-Task
    Learning as a Bargaining Game*, ICML 2022).

    The Nash bargaining solution: ``w > 0`` with ``w_i (G w)_i = 1``, so ``g_i . d = 1 / w_i``
    and ``|d|^2 = m``, ``d = J^T w``. Two tasks:
    ``w_i = 1 / (|g_i| sqrt(1 + cos))``, ``d`` along ``u_1 + u_2`` (IMTL-G's direction). At a
    Pareto-stationary point no bargaining solution exists and ``w = 0``.

    Solved exactly (damped Newton, see :func:`power_balance`). The official code, LibMTL and
    torchjd 0.18 instead run a few cvxpy/ECOS iterations of a sequence of convex
    approximations on ``G / |G|_F`` (updated every few steps) and clip ``|d| <= max_norm``
    (default 1.0); torchjd's docstring warns the official implementation "has some flaws".
    ``max_norm=None`` (default) returns the exact solution unclipped.
    """

    alpha = 1.0

    def __init__(self, max_norm: float | None = None):
        super().__init__()
        self.max_norm = max_norm

    def from_gramian(self, G):
        w = super().from_gramian(G)
        Gh = xp.array(G.detach().numpy() if hasattr(G, "detach") else G, dtype=xp.float64)
        scale = float(xp.trace(Gh)) / len(Gh)
        if scale > 0:
            w = w * scale ** (-self.alpha / (1 + self.alpha))
        if self.max_norm is not None:
            norm = float(xp.sqrt(max(w @ Gh @ w, 0.0)))
            if norm > self.max_norm:
                w = w * (self.max_norm / norm)
        return w

    def _zero_weights(self, m):
        return xp.zeros(m)

    def _solve(self, G):
        w, self.kkt_residual = power_balance(G, self.alpha)
        return xp.zeros(len(G)) if w is None else w

    def __repr__(self):
        return f"{type(self).__name__}(max_norm={self.max_norm})"


class FairGrad(NashMTL):
    """FairGrad (Ban & Ji, *Fair Resource Allocation in Multi-Task Learning*, ICML 2024).

    ``alpha``-fair allocation of the progress ``g_i . d``: ``w > 0`` with
    ``G w = w^(-1/alpha)``, i.e. ``g_i . d = w_i^(-1/alpha)``, ``d = J^T w``. ``alpha = 1`` is
    Nash-MTL (proportional fairness); ``alpha -> inf`` approaches max-min fairness (the worst
    task's progress), ``alpha -> 0`` the utilitarian sum. The official code and LibMTL solve
    the same equations with ``scipy.optimize.least_squares``; here damped Newton on the convex
    potential, to a relative residual of ``1e-12``. Default ``alpha = 1.0`` (LibMTL's).
    """

    def __init__(self, alpha: float = 1.0, max_norm: float | None = None):
        super().__init__(max_norm)
        if alpha <= 0:
            raise ValueError(f"FairGrad: alpha must be > 0, got {alpha}")
        self.alpha = float(alpha)

    def __repr__(self):
        return f"FairGrad(alpha={self.alpha}, max_norm={self.max_norm})"
