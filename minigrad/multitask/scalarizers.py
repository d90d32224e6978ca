"""Scalarizers: several losses in, one loss out, then one ordinary ``backward``.

A scalarizer is called on the losses (a dict or a list) and returns one scalar Tensor.
``.parameters()`` lists its own learnable tensors (hand them to your optimizer together with
the model's), ``.update(losses)`` is called after each optimizer step by the methods that keep
state, and ``.weights`` shows the current weight of each loss as plain floats (a property,
the scalarizer's state; a gradient weighting's weights for a Jacobian are
``Weighting.weights_for(J)``). Learnable parameters are created in ``dtype`` (float32 by
default) on ``device``: give a float64 model ``dtype=minigrad.float64``.

Costs one backward pass per step, like a single loss: the graph sums the gradients
``sum_i w_i grad L_i`` for you (the weights are constants within a step).
"""
from __future__ import annotations

import math
from typing import Any

from ..backend import float32
from ..creation import full, tensor
from ..ops import sigmoid, stack
from ..tensor import Tensor
from ._inputs import named_losses


class Scalarizer:
    """Base class: ``__call__(losses) -> scalar Tensor``; ``parameters()``; ``update()``."""

    num_tasks: int | None = None

    def __call__(self, losses) -> Tensor:
        raise NotImplementedError

    def parameters(self) -> list[Tensor]:
        """The scalarizer's own learnable tensors (none by default)."""
        return []

    def update(self, losses=None) -> None:
        """Called after each optimizer step; stateless methods do nothing."""

    @property
    def weights(self) -> list[float]:
        raise NotImplementedError

    # helpers ------------------------------------------------------------------------------
    def _losses(self, losses, fn):
        items = named_losses(losses, fn)
        if self.num_tasks is not None and len(items) != self.num_tasks:
            raise ValueError(f"{fn}: built for {self.num_tasks} losses but got {len(items)} "
                             f"({', '.join(repr(n) for n, _ in items)})")
        return items

    @staticmethod
    def _stack(items, own: Tensor | None, fn: str) -> Tensor:
        name, loss = items[0]
        if own is not None and own.device != loss.device:
            raise ValueError(
                f"{fn}: its parameters are on {own.device} but loss {name!r} is on "
                f"{loss.device}; create it with device={loss.device!r}")
        if own is not None and own.dtype != loss.dtype:
            raise TypeError(
                f"{fn}: its parameters are {own.dtype} but loss {name!r} is {loss.dtype}; "
                f"create it with dtype=minigrad.{loss.dtype} (or compute the losses in "
                f"{own.dtype})")
        return stack([loss.reshape(()) for _, loss in items])


class FixedWeights(Scalarizer):
    """``L = sum_i w_i L_i`` with constant weights: the baseline every method is measured against.

    For two tasks, ``FixedWeights([alpha, 1 - alpha])``. ``L + lam * R`` and
    ``alpha L + (1 - alpha) R`` with ``alpha = 1 / (1 + lam)`` have the same minimiser; the
    second is the first scaled by ``alpha`` (so is the effective learning rate). Kurin et al.
    (NeurIPS 2022) and Xin et al. (NeurIPS 2022) find a well-tuned weighted sum matches the
    specialised multi-task optimisers. Weights may be a list or a dict keyed like the losses.
    With ``w_i = 0`` loss ``i`` sends exactly zero gradient (a first sanity check).

    Conventions differ only in scale: ``L1 + lam L2``, ``alpha L1 + (1 - alpha) L2`` (weights
    summing to 1) and weights summing to ``m`` (LibMTL's ``EW``) share their minimisers but
    differ by a constant factor, and so does the effective learning rate.
    """

    def __init__(self, weights):
        self._keys = list(weights.keys()) if isinstance(weights, dict) else None
        vals = list(weights.values()) if isinstance(weights, dict) else list(weights)
        if not vals:
            raise ValueError("FixedWeights: got no weights")
        for v in vals:
            if not math.isfinite(float(v)):
                raise ValueError(f"FixedWeights: weight {v!r} is not a finite number")
        self._w = [float(v) for v in vals]
        self.num_tasks = len(vals)

    def __call__(self, losses) -> Tensor:
        items = self._losses(losses, "FixedWeights")
        if self._keys is not None:
            names = [n for n, _ in items]
            if not isinstance(losses, dict) or set(names) != set(self._keys):
                raise ValueError(f"FixedWeights: weights are keyed {self._keys} but the losses "
                                 f"are {names}; use the same names")
            w = [self._w[self._keys.index(n)] for n in names]
        else:
            w = self._w
        total: Any = None
        for wi, (_, loss) in zip(w, items):
            term = loss.reshape(()) * wi
            total = term if total is None else total + term
        return total

    @property
    def weights(self) -> list[float]:
        return list(self._w)


class LearnedAlpha(Scalarizer):
    """``L = a L_1 + (1 - a) L_2`` with ``a = sigmoid(beta)`` learned by gradient descent.

    Here on purpose, as the cautionary example: ``dL/d beta = a (1 - a) (L_1 - L_2)``, so the
    optimizer pushes ``a`` towards the vertex that keeps only the *smaller* loss (``a -> 0``
    while ``L_1 > L_2``), switching the larger task off instead of balancing the two. The
    objective is linear in ``a``; a minimum over ``a`` always sits at a vertex. Not a
    published method: the trap the published ones avoid. Compare
    :class:`UncertaintyWeighting`, whose extra ``log sigma`` term makes switching a task off
    cost infinity.
    """

    num_tasks = 2

    def __init__(self, init: float = 0.0, dtype=float32, device=None):
        self.beta = tensor(float(init), dtype=dtype, device=device, requires_grad=True)

    def __call__(self, losses) -> Tensor:
        items = self._losses(losses, "LearnedAlpha")
        L = self._stack(items, self.beta, "LearnedAlpha")
        a = sigmoid(self.beta)
        return a * L[0] + (1 - a) * L[1]

    def parameters(self) -> list[Tensor]:
        return [self.beta]

    @property
    def alpha(self) -> float:
        return 1.0 / (1.0 + math.exp(-float(self.beta.detach().item())))

    @property
    def weights(self) -> list[float]:
        return [self.alpha, 1.0 - self.alpha]


class UncertaintyWeighting(Scalarizer):
    """Uncertainty weighting (Kendall, Gal, Cipolla, CVPR 2018), in the ``log sigma^2`` form:

        ``L = sum_i 0.5 * exp(-s_i) * L_i + 0.5 * s_i``,   ``s_i = log sigma_i^2`` learned.

    Update rule: ordinary gradient descent on ``s`` together with the model. For fixed
    ``L_i`` each term is strictly convex in ``s_i`` with minimiser ``s_i* = log L_i``
    (``sigma_i^2 = L_i``): the loss weight becomes ``1 / (2 L_i)`` and the gradient reaching the
    model becomes that of ``sum_i 0.5 log L_i``, unchanged if a loss is rescaled. Unlike
    :class:`LearnedAlpha` it cannot switch a task off: ``s -> inf`` costs ``+inf``.

    Conventions differ between implementations: this is LibMTL's ``UW`` exactly
    (``L / (2 exp(s)) + s / 2``), which starts at ``s = -0.5``; minigrad starts at ``init=0``
    (every weight 1/2). The paper's regression form ``L / (2 sigma^2) + log sigma`` is the same
    function of ``s``; another common variant ``exp(-s) L + s`` doubles everything. All share
    ``sigma^2* = L``. A negative total is normal (``s < 0`` once ``L_i < 1``); if a loss can
    reach 0, ``s -> -inf`` and the total diverges.
    """

    def __init__(self, num_tasks: int, init: float = 0.0, dtype=float32, device=None):
        if int(num_tasks) < 1:
            raise ValueError(f"UncertaintyWeighting: num_tasks must be >= 1, got {num_tasks}")
        self.num_tasks = int(num_tasks)
        self.log_vars = full((self.num_tasks,), float(init), dtype=dtype, device=device,
                             requires_grad=True)

    def __call__(self, losses) -> Tensor:
        items = self._losses(losses, "UncertaintyWeighting")
        L = self._stack(items, self.log_vars, "UncertaintyWeighting")
        # BEGIN SOLUTION ex4_1
        s = self.log_vars
        return (0.5 * (-s).exp() * L + 0.5 * s).sum()
        # END SOLUTION

    def parameters(self) -> list[Tensor]:
        return [self.log_vars]

    @property
    def weights(self) -> list[float]:
        return [0.5 * math.exp(-v) for v in self.log_vars.detach().tolist()]


class IMTLL(Scalarizer):
    """IMTL-L, the loss half of IMTL (Liu, Li, Kuang, Xue, Chen, Yang, Liao, Zhang, *Towards
    Impartial Multi-task Learning*, ICLR 2021), as LibMTL's ``IMTL`` loss scale:

        ``L = sum_i exp(s_i) L_i - s_i``,   ``s_i`` learned with the model (start 0).

    ``dL/ds_i = exp(s_i) L_i - 1``: for fixed ``L_i`` the minimiser is ``s_i* = -log L_i``,
    where every scaled loss ``exp(s_i) L_i`` equals 1 (the losses are made impartial). Compare
    :class:`UncertaintyWeighting` (``0.5 exp(-s) L + 0.5 s``, optimum ``exp(-s) L = 1`` too, at
    half the weight). ``weights``: ``exp(s_i)``.
    """

    def __init__(self, num_tasks: int, init: float = 0.0, dtype=float32, device=None):
        if int(num_tasks) < 1:
            raise ValueError(f"IMTLL: num_tasks must be >= 1, got {num_tasks}")
        self.num_tasks = int(num_tasks)
        self.log_scales = full((self.num_tasks,), float(init), dtype=dtype, device=device,
                               requires_grad=True)

    def __call__(self, losses) -> Tensor:
        items = self._losses(losses, "IMTLL")
        L = self._stack(items, self.log_scales, "IMTLL")
        s = self.log_scales
        return (s.exp() * L - s).sum()

    def parameters(self) -> list[Tensor]:
        return [self.log_scales]

    @property
    def weights(self) -> list[float]:
        return [math.exp(v) for v in self.log_scales.detach().tolist()]
