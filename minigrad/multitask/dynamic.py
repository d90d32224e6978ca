"""Scalarizers whose weights move with the training history: DWA and FAMO.

Both cost one backward pass per step, like a fixed weighted sum; FAMO adds one extra forward
pass (the losses of the same batch after the step) to update its weights.
"""
from __future__ import annotations

import math

from ..autograd import grad, no_grad
from ..backend import float64
from ..backend import host_xp as xp
from ..creation import tensor
from ..ops import softmax
from ..optim import Adam
from ._inputs import loss_values
from .scalarizers import Scalarizer


def _values(items) -> list[float]:
    return [float(loss.detach().item()) for _, loss in items]


class DWA(Scalarizer):
    """Dynamic Weight Average (Liu, Johns, Davison, *End-to-End Multi-Task Learning with
    Attention*, CVPR 2019).

    ``w_i(t) = K exp(r_i(t-1) / T) / sum_j exp(r_j(t-1) / T)`` with
    ``r_i(t-1) = L_i(t-1) / L_i(t-2)`` (ratio of the last two *epoch-mean* training losses),
    ``K = num_tasks`` so the weights sum to ``K``; ``w = 1`` for the first two epochs. A task
    whose loss falls more slowly gets more weight; ``T`` smooths (``T -> inf``: equal weights).

    Use: ``total = dwa(losses)`` each step, ``dwa.update(losses)`` after it (accumulates the
    epoch mean), ``dwa.end_epoch()`` at the end of each epoch. Conventions differ: the original
    code (lorenmt/mtan) and LibMTL use epoch means as here; some re-implementations use the
    last two *batch* losses, which is much noisier (call ``end_epoch()`` every step for that).
    """

    num_tasks: int

    def __init__(self, num_tasks: int, T: float = 2.0):
        if int(num_tasks) < 1 or T <= 0:
            raise ValueError(f"DWA: need num_tasks >= 1 and T > 0, got {num_tasks}, {T}")
        self.num_tasks, self.T = int(num_tasks), float(T)
        self.history: list[list[float]] = []  # one row of epoch-mean losses per epoch
        self._sum, self._count = [0.0] * self.num_tasks, 0

    def __call__(self, losses):
        items = self._losses(losses, "DWA")
        total = None
        for wi, (_, loss) in zip(self.weights, items):
            term = loss.reshape(()) * wi
            total = term if total is None else total + term
        return total

    def update(self, losses=None) -> None:
        """Add this step's losses to the running epoch mean. Only their values are used: plain
        floats or Tensors with or without grad (e.g. computed under ``no_grad()``)."""
        if losses is None:
            return
        vals = loss_values(losses, "DWA.update", self.num_tasks)
        self._sum = [a + b for a, b in zip(self._sum, vals)]
        self._count += 1

    def end_epoch(self) -> None:
        """Close the epoch: its mean losses become the newest row of ``history``."""
        if self._count == 0:
            raise RuntimeError("DWA.end_epoch: no losses were recorded this epoch; call "
                               "dwa.update(losses) after each step")
        self.history.append([s / self._count for s in self._sum])
        self._sum, self._count = [0.0] * self.num_tasks, 0

    @property
    def weights(self) -> list[float]:
        if len(self.history) < 2:
            return [1.0] * self.num_tasks
        r = [a / b if b != 0 else 1.0 for a, b in zip(self.history[-1], self.history[-2])]
        e = [math.exp((ri - max(r)) / self.T) for ri in r]
        return [self.num_tasks * x / sum(e) for x in e]


class FAMO(Scalarizer):
    """FAMO, Fast Adaptive Multitask Optimization (Liu, Liu, Jin, Stone, Liu, NeurIPS 2023).

    Task weights ``z = softmax(xi)``. The model is trained on
    ``sum_i (z_i / c) log(L_i - b_i + eps)`` with ``c = sum_j z_j / (L_j - b_j + eps)``
    (held constant), so the loss gradients are combined with weights ``z_i / (c D_i)`` that sum
    to 1. After the optimizer step, call ``famo.update(new_losses)`` with the losses of the
    *same batch* recomputed (the extra forward pass): with
    ``delta_i = log D_i(before) - log D_i(after)`` (how much each log-loss fell), the logits
    take one Adam step (``lr``, ``weight_decay``) along ``d delta^T softmax(xi) / d xi``, which
    raises the weight of the tasks that improved least.

    ``xi`` has its own update rule, so ``parameters()`` is empty (do not give it to the model's
    optimizer); its step is a :class:`minigrad.optim.Adam` step (coupled L2 weight decay, as
    torch Adam's ``weight_decay``) on ``xi`` with the softmax VJP as gradient.

    Defaults follow the official code (Liu et al., github.com/Cranial-XIX/FAMO: ``lr = 0.025``,
    ``weight_decay = 0.01``, ``b = 0``, ``eps = 1e-8``; torch Adam). LibMTL's ``FAMO`` uses the
    same rule with ``weight_decay = 1e-3``: pass ``weight_decay=1e-3`` to match it.
    """

    def __init__(self, num_tasks: int, lr: float = 0.025, weight_decay: float = 0.01,
                 min_losses=None, eps: float = 1e-8):
        if int(num_tasks) < 1:
            raise ValueError(f"FAMO: num_tasks must be >= 1, got {num_tasks}")
        self.num_tasks = m = int(num_tasks)
        self.lr, self.weight_decay, self.eps = float(lr), float(weight_decay), float(eps)
        self.min_losses = [0.0] * m if min_losses is None else [float(b) for b in min_losses]
        self._logits = tensor(xp.zeros(m), dtype=float64, requires_grad=True)
        self._adam = Adam([self._logits], lr=self.lr, weight_decay=self.weight_decay)
        self._prev = None
        self._last_weights = None

    @property
    def xi(self):
        """The logits (a float64 host array; assigning one keeps the Adam state)."""
        return xp.array(self._logits.detach().numpy(), dtype=xp.float64)

    @xi.setter
    def xi(self, value):
        with no_grad():
            self._logits.copy_(tensor(xp.asarray(value, dtype=xp.float64), dtype=float64))

    def _z(self):
        e = xp.exp(self.xi - self.xi.max())
        return e / e.sum()

    def __call__(self, losses):
        items = self._losses(losses, "FAMO")
        vals = _values(items)
        D = [v - b + self.eps for v, b in zip(vals, self.min_losses)]
        for (name, _), d in zip(items, D):
            if d <= 0:
                raise ValueError(f"FAMO: loss {name!r} is not above its min_losses bound, so "
                                 "its log is undefined; lower min_losses")
        self._prev = vals
        z = self._z()
        c = float(sum(zi / di for zi, di in zip(z, D)))
        self._last_weights = [float(zi) / (c * di) for zi, di in zip(z, D)]
        total = None
        for zi, b, (_, loss) in zip(z, self.min_losses, items):
            term = (loss.reshape(()) - b + self.eps).log() * (float(zi) / c)
            total = term if total is None else total + term
        return total

    def update(self, losses=None) -> None:
        """One Adam step on the logits from the losses of the same batch after the step (only
        their values: floats, or Tensors computed under ``no_grad()``)."""
        if self._prev is None:
            raise RuntimeError("FAMO.update: call famo(losses) (and take the optimizer step) "
                               "before update(new_losses)")
        vals = loss_values(losses, "FAMO.update", self.num_tasks)
        delta = [math.log(p - b + self.eps) - math.log(v - b + self.eps)
                 for p, v, b in zip(self._prev, vals, self.min_losses)]
        # the softmax's vector-Jacobian product, done with the engine on a small CPU tensor
        (g,) = grad(softmax(self._logits, dim=0), self._logits,
                    grad_outputs=tensor(delta, dtype=float64))
        self._logits.grad = g.detach()
        self._adam.step()
        self._logits.grad = None
        self._prev = None

    @property
    def task_weights(self) -> list[float]:
        """``softmax(xi)``: FAMO's own task weights."""
        return [float(v) for v in self._z()]

    @property
    def weights(self) -> list[float]:
        """The weights ``z_i / (c D_i)`` the last call gave each loss's gradient (sum to 1)."""
        return list(self._last_weights) if self._last_weights else self.task_weights
