"""Aggregators that look at the Jacobian's entries, not only its Gramian, and the robust ones.

* :class:`Krum` (a Gramian weighting: it needs only pairwise distances);
* :class:`TrimmedMean`, :class:`GradDrop` - coordinate-wise rules on ``J`` itself, computed
  with minigrad ops on ``J``'s device (``J`` never comes to the host);
* :class:`ExcessMTL` - stateful: task weights from accumulated squared gradients.

The coordinate-wise ones are :class:`Aggregator` s: callables ``J -> d`` (``aggregate``
accepts them; its ``Aggregation.weights`` is then None, or the current task weights).
"""
from __future__ import annotations

import math

from ..backend import host_xp as xp
from ..creation import arange, rand, tensor, zeros_like
from ..ops import where
from ..tensor import Tensor
from .weightings import Weighting


class Aggregator:
    """Base class: ``__call__(J) -> d`` for an ``m x n`` Jacobian ``J`` (``d`` on its device)."""

    def __call__(self, J: Tensor) -> Tensor:
        if not isinstance(J, Tensor) or J.ndim != 2:
            raise ValueError(f"{type(self).__name__}: expected the task Jacobian as a 2-D "
                             f"Tensor (m x n), got {getattr(J, 'shape', type(J).__name__)}")
        return self._aggregate(J.detach())

    def _aggregate(self, J: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Krum(Weighting):
    """Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui, Stainer, *Machine Learning with
    Adversaries: Byzantine Tolerant Gradient Descent*, NeurIPS 2017), as torchjd's ``Krum``.

    Score of row ``i``: the sum of its squared distances ``|g_i - g_j|^2 = G_ii + G_jj -
    2 G_ij`` to its ``m - f - 2`` nearest other rows (``f = n_byzantine``). The
    ``n_selected`` rows with the lowest scores get weight ``1 / n_selected``, the rest 0 (ties:
    the lower index). Needs ``m >= f + 3``. Robust to ``f`` arbitrary rows, but it is a
    selection, not a compromise: most tasks get no weight at all.
    """

    def __init__(self, n_byzantine: int, n_selected: int = 1):
        super().__init__()
        if n_byzantine < 0 or n_selected < 1:
            raise ValueError(f"Krum: need n_byzantine >= 0 and n_selected >= 1, got "
                             f"{n_byzantine}, {n_selected}")
        self.n_byzantine, self.n_selected = int(n_byzantine), int(n_selected)

    def _solve(self, G):
        m, f = len(G), self.n_byzantine
        if m < f + 3 or self.n_selected > m:
            raise ValueError(f"Krum: needs at least n_byzantine + 3 = {f + 3} tasks and "
                             f"n_selected <= m, got m = {m}, n_selected = {self.n_selected}")
        diag = xp.diag(G)
        dist = xp.clip(diag[:, None] + diag[None, :] - 2 * G, 0.0, None)
        scores = xp.array([xp.sort(xp.delete(dist[i], i))[: m - f - 2].sum() for i in range(m)])
        chosen = xp.argsort(scores, kind="stable")[: self.n_selected]
        w = xp.zeros(m)
        w[chosen] = 1.0 / self.n_selected
        self.kkt_residual = 0.0
        return w

    def _zero_weights(self, m):
        return self._solve(xp.zeros((m, m)))

    def __repr__(self):
        return f"Krum(n_byzantine={self.n_byzantine}, n_selected={self.n_selected})"


def _ranks(J: Tensor) -> Tensor:
    """Per coordinate, each row's rank among the ``m`` values (ties broken by row index)."""
    m = J.shape[0]
    a, b = J.unsqueeze(0), J.unsqueeze(1)  # [i, j] compares row j with row i
    idx = arange(0, m, 1, device=J.device)
    before = (idx.unsqueeze(0) < idx.unsqueeze(1)).unsqueeze(2)  # j < i
    return (a < b).long().sum(1) + ((a == b).long() * before.long()).sum(1)


class TrimmedMean(Aggregator):
    """Coordinate-wise trimmed mean (Yin, Chen, Ramchandran, Bartlett, *Byzantine-Robust
    Distributed Learning: Towards Optimal Statistical Rates*, ICML 2018), as torchjd's
    ``TrimmedMean``: in every coordinate drop the ``trim_number`` largest and smallest of the
    ``m`` values and average the remaining ``m - 2 trim_number``. Needs ``m > 2 trim_number``.
    """

    def __init__(self, trim_number: int):
        if trim_number < 0:
            raise ValueError(f"TrimmedMean: trim_number must be >= 0, got {trim_number}")
        self.trim_number = int(trim_number)

    def _aggregate(self, J):
        m, t = J.shape[0], self.trim_number
        if m <= 2 * t:
            raise ValueError(f"TrimmedMean: trim_number = {t} removes all {m} rows; need "
                             f"m > 2 * trim_number")
        r = _ranks(J)
        keep = (r >= t).long() * (r < m - t).long()
        return where(keep > 0, J, zeros_like(J)).sum(0) / (m - 2 * t)

    def __repr__(self):
        return f"TrimmedMean(trim_number={self.trim_number})"


class GradDrop(Aggregator):
    """GradDrop (Chen, Ngiam, Huang, Luong, Kretzschmar, Chai, Anguelov, *Just Pick a Sign:
    Optimizing Deep Multitask Models with Gradient Sign Dropout*, NeurIPS 2020).

    Per coordinate: the positive-sign purity ``P = (1 + sum_i g_i / sum_i |g_i|) / 2``, one
    uniform draw ``U``; keep the positive entries of that coordinate if ``P > U``, else the
    negative ones, and sum what is kept: ``d = sum_i [(P > U) g_i > 0 or (P < U) g_i < 0] g_i``.
    Where all tasks agree in sign, ``P`` is 0 or 1 and ``d`` is the plain sum. A coordinate
    where every ``g_i = 0`` gets ``P = 1/2`` (and ``d = 0``). ``U`` is ``minigrad.rand(n)`` on
    ``J``'s device, so ``minigrad.manual_seed`` fixes it. The paper applies it to the
    gradient w.r.t. activations (``aggregate_rep``); ``leak`` (torchjd's) is not implemented.
    """

    def _aggregate(self, J):
        total, mass = J.sum(0), J.abs().sum(0)
        safe = where(mass > 0, mass, zeros_like(mass) + 1)
        P = 0.5 * (1 + total / safe)
        U = rand(J.shape[1], dtype=J.dtype, device=J.device)
        keep = ((P > U).long().unsqueeze(0) * (J > 0).long()
                + (P < U).long().unsqueeze(0) * (J < 0).long())  # the two never overlap
        return where(keep > 0, J, zeros_like(J)).sum(0)


class ExcessMTL(Aggregator):
    """ExcessMTL (Shi, Kang, Du, Kim, Guo, Zhou, Ferrari, *Robust Multi-Task Learning with
    Excess Risks*, ICML 2024), following LibMTL's ``ExcessMTL``.

    Keeps ``S_i += g_i^2`` (elementwise, over all steps) and estimates task ``i``'s excess
    risk as ``e_i = sum_k g_ik^2 / sqrt(S_ik + 1e-7)`` (a diagonal, Adagrad-style
    ``g^T H^-1 g``). The first call records ``e(0)`` and keeps the weights; later calls do
    one exponentiated-gradient step ``w_i <- w_i exp(step_size e_i / e_i(0))``, then
    ``w <- m w / sum w``. ``d = J^T w``. State: ``S`` (``m x n``, on ``J``'s device) and
    ``weights``. LibMTL multiplies the *losses* by ``w`` (heads get weighted gradients too);
    with :func:`aggregate` heads get their own loss's gradient.
    """

    def __init__(self, num_tasks: int, step_size: float = 1e-2):
        if int(num_tasks) < 1 or step_size < 0:
            raise ValueError(f"ExcessMTL: need num_tasks >= 1 and step_size >= 0, got "
                             f"{num_tasks}, {step_size}")
        self.num_tasks, self.step_size = int(num_tasks), float(step_size)
        self.weights = [1.0] * self.num_tasks
        self.initial_risk = None
        self._sq_sum = None

    def _aggregate(self, J):
        if J.shape[0] != self.num_tasks:
            raise ValueError(f"ExcessMTL: built for {self.num_tasks} tasks, J has "
                             f"{J.shape[0]} rows")
        sq = J * J
        self._sq_sum = sq if self._sq_sum is None else self._sq_sum + sq
        risk = (sq / (self._sq_sum + 1e-7).sqrt()).sum(1).tolist()  # one m-vector to host
        if self.initial_risk is None:
            self.initial_risk = risk
        else:
            w = [wi * math.exp(self.step_size * r / r0 if r0 > 0 else 0.0)
                 for wi, r, r0 in zip(self.weights, risk, self.initial_risk)]
            self.weights = [self.num_tasks * wi / sum(w) for wi in w]
        return tensor(self.weights, dtype=J.dtype, device=J.device) @ J
