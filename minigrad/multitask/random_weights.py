"""Random loss weighting (Lin, Ye, Xu, Shi, Zhang, Kwok, *Reasonable Effectiveness of Random
Weighting: A Litmus Test for Multi-Task Learning*, TMLR 2022): fresh weights every step,
``w = softmax(z)`` with ``z ~ N(0, I)``.

Two forms of the same rule: :class:`RLW` scales the losses (one backward pass, as LibMTL's
``RLW``), :class:`Random` weights the rows of the Jacobian (torchjd's ``Random``, for
:func:`aggregate`). Draws come from minigrad's generator (``minigrad.manual_seed``) unless a
``seed`` gives the method its own.
"""
from __future__ import annotations

from .. import backend
from ..backend import host_xp as xp
from .scalarizers import Scalarizer
from .weightings import Weighting


def _softmax_normal(rng, m):
    z = rng.standard_normal(m)
    e = xp.exp(z - z.max())
    return e / e.sum()


class _Draws:
    def _init_rng(self, seed):
        self.seed = seed
        self._rng = None if seed is None else xp.random.default_rng(seed)

    def _draw(self, m):
        return _softmax_normal(self._rng if self._rng is not None else backend.rng(), m)


class Random(_Draws, Weighting):
    """``w = softmax(z)``, ``z ~ N(0, I_m)`` drawn at every call; ``d = J^T w`` (torchjd)."""

    def __init__(self, seed: int | None = None):
        Weighting.__init__(self)
        self._init_rng(seed)

    def _solve(self, G):
        self.kkt_residual = 0.0
        return self._draw(len(G))

    def _zero_weights(self, m):
        return self._draw(m)


class RLW(_Draws, Scalarizer):
    """``L = sum_i w_i L_i`` with ``w = softmax(z)``, ``z ~ N(0, I)`` drawn at every call
    (LibMTL's ``RLW``, its default normal distribution). ``weights``: the last draw."""

    def __init__(self, num_tasks: int, seed: int | None = None):
        if int(num_tasks) < 1:
            raise ValueError(f"RLW: num_tasks must be >= 1, got {num_tasks}")
        self.num_tasks = int(num_tasks)
        self._init_rng(seed)
        self._last = [1.0 / self.num_tasks] * self.num_tasks

    def __call__(self, losses):
        items = self._losses(losses, "RLW")
        self._last = [float(v) for v in self._draw(self.num_tasks)]
        total = None
        for wi, (_, loss) in zip(self._last, items):
            term = loss.reshape(()) * wi
            total = term if total is None else total + term
        return total

    @property
    def weights(self) -> list[float]:
        return list(self._last)
