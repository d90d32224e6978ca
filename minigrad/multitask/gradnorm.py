"""GradNorm: learn loss weights so that every task's gradient norm trains at a matched rate.

Two ways to get the same weight gradient, side by side because the contrast teaches:

* ``analytic=False`` (the generic way, what the paper's code does): ``G_i = |grad_W(w_i L_i)|``
  through ``grad(..., create_graph=True)``, then ``grad(L_grad, w)``: a double backward.
* ``analytic=True``: ``G_i = |w_i| n_i`` with ``n_i = |grad_W L_i|``, so
  ``d L_grad / d w_i = sign(w_i) sign(G_i - target_i) n_i``: ``m`` ordinary backward passes,
  no second-order graph.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd import grad
from ..backend import float32
from ..creation import full, tensor
from ..ops import stack
from ..tensor import Tensor
from ._inputs import check_devices, named_params
from .gradients import accumulate_grad, flatten
from .scalarizers import Scalarizer


class GradNorm(Scalarizer):
    """GradNorm (Chen, Badrinarayanan, Lee, Rabinovich, *GradNorm: Gradient Normalization for
    Adaptive Loss Balancing in Deep Multitask Networks*, ICML 2018).

    Weights ``w`` (learnable, start at 1). Each step, on the shared parameters ``W``:
    ``G_i = |grad_W (w_i L_i)|``, ``Gbar = mean_i G_i``, ``r_i = (L_i / L_i(0)) / mean_j(...)``
    (relative inverse training rate) and
    ``L_grad = sum_i |G_i - Gbar r_i^alpha|`` with the target ``Gbar r_i^alpha`` held constant.
    ``w`` is trained on ``L_grad`` only; the model on ``sum_i w_i L_i`` with ``w`` constant;
    after the optimizer step, ``update()`` renormalises ``sum_i w_i = m``.

    Loop: ``opt.zero_grad(); total = gn(losses)`` (this writes ``w.grad``)
    ``; total.backward(); opt.step(); gn.update()``, with ``gn.parameters()`` in ``opt``.

    Conventions differ: the paper applies it to the *last* shared layer (cheap); LibMTL uses
    all shared parameters (LibMTL#64) - pass what you want as ``shared_params``. ``L_i(0)`` is
    the first call's losses (LibMTL: the first epoch's mean). The paper's L1 ``L_grad`` is
    used; some ports use L2. ``alpha`` sets how strongly slow tasks are pushed (0: equal norms).
    LibMTL's ``GradNorm`` also parametrises the weights as ``w = m softmax(xi)`` (so they sum
    to ``m`` without a renormalisation step) and trains ``xi``; here ``w`` is learned directly
    and renormalised by ``update()``, as in the paper. The weights live in ``dtype`` (float32
    by default; pass ``dtype=minigrad.float64`` for a float64 model with ``analytic=False``).
    """

    num_tasks: int

    def __init__(self, shared_params, alpha: float = 1.5, num_tasks: int = 2,
                 analytic: bool = False, dtype=float32, device=None):
        self.shared = named_params(shared_params, "GradNorm", "shared_params")
        if not self.shared:
            raise ValueError("GradNorm: got no shared parameters")
        self.alpha, self.analytic = float(alpha), bool(analytic)
        self.num_tasks = int(num_tasks)
        self.w = full((self.num_tasks,), 1.0, dtype=dtype, device=device, requires_grad=True)
        self.initial_losses: list[float] | None = None
        self.last_grad_loss: float | None = None

    def parameters(self) -> list[Tensor]:
        return [self.w]

    @property
    def weights(self) -> list[float]:
        return [float(v) for v in self.w.detach().tolist()]

    def _targets(self, vals, G):
        if self.initial_losses is None:
            self.initial_losses = list(vals)
        ratio = [v / v0 if v0 != 0 else 1.0 for v, v0 in zip(vals, self.initial_losses)]
        mean_ratio = sum(ratio) / len(ratio)
        gbar = sum(G) / len(G)
        return [gbar * (r / mean_ratio) ** self.alpha for r in ratio]

    def __call__(self, losses) -> Tensor:
        items = self._losses(losses, "GradNorm")
        check_devices(items, self.shared, "GradNorm")
        vals = [float(loss.detach().item()) for _, loss in items]
        W = [p for _, p in self.shared]
        wv = self.weights
        G: list
        gw: Any
        if self.analytic:
            sq = []
            for _, loss in items:  # m ordinary backward passes, nothing second-order
                gs = [g for g in grad(loss, W, retain_graph=True, allow_unused=True)
                      if g is not None]
                sq.append((flatten(gs) ** 2).sum())
            n = [math.sqrt(v) for v in stack(sq).tolist()]  # one device-to-host copy
            G = [abs(wi) * ni for wi, ni in zip(wv, n)]
            target = self._targets(vals, G)
            gw = [math.copysign(1.0, wi) * _sign(Gi - ti) * ni
                  for wi, Gi, ti, ni in zip(wv, G, target, n)]
            self.last_grad_loss = sum(abs(Gi - ti) for Gi, ti in zip(G, target))
            gw = tensor(gw, dtype=self.w.dtype, device=self.w.device)
        else:
            _check_dtype(self.w, items, "GradNorm")
            G = []
            for i, (_, loss) in enumerate(items):  # grad of a grad: create_graph=True
                gs = grad(self.w[i] * loss, W, retain_graph=True, create_graph=True,
                          allow_unused=True)
                gs = [g for g in gs if g is not None]
                G.append((flatten(gs) ** 2).sum().sqrt())
            target = self._targets(vals, [float(g.detach().item()) for g in G])
            L_grad: Any = None
            for Gi, ti in zip(G, target):
                term = (Gi - ti).abs()
                L_grad = term if L_grad is None else L_grad + term
            self.last_grad_loss = float(L_grad.detach().item())
            (gw,) = grad(L_grad, self.w, retain_graph=True)
            gw = gw.detach()
        accumulate_grad(self.w, gw)
        total: Any = None
        for wi, (_, loss) in zip(wv, items):  # w is a constant for the model's loss
            term = loss.reshape(()) * wi
            total = term if total is None else total + term
        return total

    def update(self, losses=None) -> None:
        """Renormalise the weights to sum to ``num_tasks`` (after the optimizer step)."""
        total = sum(self.weights)
        if total <= 0:
            raise RuntimeError(f"GradNorm: the weights sum to {total}; lower the learning "
                               "rate of gn.parameters()")
        self.w.array = (self.w.detach() * (self.num_tasks / total)).array


def _check_dtype(own: Tensor, items, fn: str) -> None:
    name, loss = items[0]
    if own.dtype != loss.dtype:
        raise TypeError(f"{fn}: its weights are {own.dtype} but loss {name!r} is {loss.dtype}; "
                        f"create it with dtype=minigrad.{loss.dtype} (or compute the losses in "
                        f"{own.dtype})")


def _sign(x: float) -> float:
    return 0.0 if x == 0 else math.copysign(1.0, x)
