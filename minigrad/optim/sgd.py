"""Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD, step for step. With g the gradient, for each tensor θ::

        g ← -g if maximize;   g ← g + λ θ if weight_decay λ ≠ 0
        if momentum μ ≠ 0:  b ← g at the first step, else b ← μ b + (1 - τ) g   (τ: dampening)
                            g ← g + μ b if nesterov, else g ← b
        θ ← θ - lr g

    This is the "heavy ball" form of Sutskever et al. (2013) as PyTorch writes it: lr multiplies
    the buffer, rather than the buffer holding lr-scaled steps as in some papers; the two agree
    for a constant lr.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g):
        self._check(g["lr"] >= 0, "learning rate", g["lr"])
        self._check(g["momentum"] >= 0, "momentum value", g["momentum"])
        self._check(g["weight_decay"] >= 0, "weight_decay value", g["weight_decay"])
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, p, grad, group, state):
        g = -grad if group["maximize"] else grad  # (given: shared with Adam and RMSprop)
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        # BEGIN SOLUTION ex3_4
        mu = group["momentum"]
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor(backend.copy(g))
            else:
                buf.array = mu * buf.array + (1 - group["dampening"]) * g
            g = g + mu * buf.array if group["nesterov"] else buf.array
        self._write(p, p.array - group["lr"] * g)
        # END SOLUTION
