"""Gramian weightings built from projections: DualProj, ConFIG and GradVac.

Like the weightings in :mod:`minigrad.multitask.weightings`, each one is a function of
``G = J J^T`` (solved on the host in float64) and returns ``w`` with ``d = J^T w``.
"""
from __future__ import annotations

import math

from .. import backend
from ..backend import host_xp as xp
from . import _qp
from .weightings import Weighting, _kept_eigen


class DualProj(Weighting):
    """DualProj (torchjd; the projection of Lopez-Paz & Ranzato, *Gradient Episodic Memory for
    Continual Learning*, NeurIPS 2017): project the mean gradient ``g_0 = J^T 1/m`` onto the
    dual cone ``{d : J d >= 0}``, so no task gets worse to first order.

    ``d = J^T v`` with ``v = argmin_{v >= 1/m} v^T G v`` (one box QP, solved exactly by the
    active-set method; torchjd 0.18 adds ``1e-4 I`` to ``G / trace G`` first). When the mean
    conflicts with no task, ``d = g_0``. Compare :class:`UPGrad`, which projects each
    ``g_i / m`` separately and sums the projections.
    """

    def _solve(self, G):
        m = len(G)
        lb = xp.full(m, 1.0 / m)
        v, _ = _qp.active_set_qp(G, xp.zeros(m), lb, False)
        self.kkt_residual = _qp.qp_residual(G, xp.zeros(m), lb, v, False)
        return v


class ConFIG(Weighting):
    """ConFIG (Liu, Chu, Thuerey, *ConFIG: Towards Conflict-free Training of Physics Informed
    Neural Networks*, ICLR 2025), as torchjd's ``ConFIG``.

    The unit direction ``d_u`` with equal cosine to every gradient,
    ``d_u = unit(U^+ 1)`` (``U``: the rows ``g_i / |g_i|``), scaled by the summed projections:
    ``d = (sum_i g_i . d_u) d_u``. On the Gramian: ``U^+ 1 = J^T v`` with
    ``v = G^+ sqrt(diag G)`` (the same ``v`` as :class:`IMTLG`: the same direction, another
    length), so ``w = (1^T G v / v^T G v) v``. Zero rows count as unit vectors of 0 (torchjd's
    ``nan_to_num``). Eigenvalues below ``max(m eps, 1e-12) lambda_max`` count as zero.
    """

    def _solve(self, G):
        m = len(G)
        s = xp.sqrt(xp.clip(xp.diag(G), 0.0, None))
        lam, V = _kept_eigen(G, self._eps)
        v = V @ ((V.T @ s) / lam)
        q = float(v @ G @ v)
        self.kkt_residual = 0.0
        if q <= 1e-300:
            return xp.zeros(m)
        return (float(G.sum(axis=0) @ v) / q) * v


class GradVac(Weighting):
    """Gradient Vaccine (Wang, Tsvetkov, Firat, Cao, *Gradient Vaccine: Investigating and
    Improving Multi-task Optimization in Massively Multilingual Models*, ICLR 2021), as in
    LibMTL's ``GradVac`` (whole model, one group) and torchjd's.

    For each task ``i`` and each other ``j`` in a random order, with ``phi`` the cosine of
    the running ``g_i^PC`` and the original ``g_j`` and ``phi_ij`` an EMA target (start 0): if
    ``phi < phi_ij``, ``g_i^PC += g_j |g_i^PC| (phi_ij sqrt(1 - phi^2) - phi sqrt(1 -
    phi_ij^2)) / (|g_j| sqrt(1 - phi_ij^2))``, which sets the cosine to exactly ``phi_ij``;
    then ``phi_ij <- (1 - beta) phi_ij + beta phi``. ``d = sum_i g_i^PC``. With all targets 0
    (the first step) this is :class:`PCGrad`. State: the ``m x m`` targets (``reset()``).
    Orders are drawn like PCGrad's (``seed`` or minigrad's generator).
    """

    def __init__(self, beta: float = 0.5, seed: int | None = None):
        super().__init__()
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"GradVac: beta must be in [0, 1], got {beta}")
        self.beta, self.seed = float(beta), seed
        self._rng = None if seed is None else xp.random.default_rng(seed)
        self.targets = None

    def reset(self):
        """Forget the EMA targets (start of a new training run)."""
        self.targets = None

    def _zero_weights(self, m):
        return xp.ones(m)

    def _solve(self, G):
        m = len(G)
        if self.targets is None or self.targets.shape != (m, m):
            self.targets = xp.zeros((m, m))
        rng = self._rng if self._rng is not None else backend.rng()
        total = xp.zeros(m)
        for i in range(m):
            coef = xp.zeros(m)
            coef[i] = 1.0
            rest = [k for k in range(m) if k != i]
            for j in [int(k) for k in rng.permutation(rest)] if rest else []:  # random order
                ni, nj = math.sqrt(max(float(coef @ G @ coef), 0.0)), math.sqrt(G[j, j])
                if ni == 0.0 or nj == 0.0:
                    continue
                phi = float(G[j] @ coef) / (ni * nj)
                target = self.targets[i, j]
                if phi < target:
                    coef[j] += ni * (target * math.sqrt(max(1 - phi * phi, 0.0))
                                     - phi * math.sqrt(1 - target * target)) / (
                        nj * math.sqrt(1 - target * target))
                self.targets[i, j] = (1 - self.beta) * target + self.beta * phi
            total += coef
        self.kkt_residual = 0.0
        return total

    def __repr__(self):
        return f"GradVac(beta={self.beta}, seed={self.seed})"
