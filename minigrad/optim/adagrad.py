"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """PyTorch's Adagrad, step for step (Duchi, Hazan and Singer, 2011). For each tensor θ:

        g ← -g if maximize;   g ← g + λ θ if weight_decay λ ≠ 0
        t ← t + 1;   lr_t = lr / (1 + (t - 1) lr_decay)
        s ← s + g²;  θ ← θ - lr_t g / (sqrt(s) + ε)

    ``s`` starts at ``initial_accumulator_value``.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g):
        self._check(g["lr"] >= 0, "learning rate", g["lr"])
        self._check(g["lr_decay"] >= 0, "lr_decay", g["lr_decay"])
        self._check(g["weight_decay"] >= 0, "weight_decay value", g["weight_decay"])
        self._check(g["initial_accumulator_value"] >= 0, "initial_accumulator_value",
                    g["initial_accumulator_value"])
        self._check(g["eps"] >= 0, "epsilon value", g["eps"])

    def _update(self, p, grad, group, state):
        xp = backend.namespace(p.array)
        if not state:
            state["step"] = 0
            state["sum"] = Tensor(xp.zeros_like(p.array) + group["initial_accumulator_value"])
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"].array = state["sum"].array + g * g
        self._write(p, p.array - clr * g / (xp.sqrt(s) + group["eps"]))
