"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """PyTorch's RMSprop, step for step. For each tensor θ with gradient g:

        g ← -g if maximize;   g ← g + λ θ if weight_decay λ ≠ 0
        v ← α v + (1 - α) g²                  ṽ ← v
        if centered:  g_avg ← α g_avg + (1 - α) g,   ṽ ← ṽ - g_avg²
        if momentum μ > 0:  b ← μ b + g / (sqrt(ṽ) + ε),   θ ← θ - lr b
        else:               θ ← θ - lr g / (sqrt(ṽ) + ε)

    Hinton's lecture notes state the idea; ``centered`` is Graves (2013), which divides by an
    estimate of the standard deviation instead of the raw second moment. Note ε sits outside the
    square root, as in PyTorch (TensorFlow puts it inside).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g):
        self._check(g["lr"] >= 0, "learning rate", g["lr"])
        self._check(g["eps"] >= 0, "epsilon value", g["eps"])
        self._check(g["momentum"] >= 0, "momentum value", g["momentum"])
        self._check(g["weight_decay"] >= 0, "weight_decay value", g["weight_decay"])
        self._check(g["alpha"] >= 0, "alpha value", g["alpha"])

    def _update(self, p, grad, group, state):
        xp = backend.namespace(p.array)
        alpha, eps, mu = group["alpha"], group["eps"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = Tensor(xp.zeros_like(p.array))
        if mu > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = Tensor(xp.zeros_like(p.array))
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = Tensor(xp.zeros_like(p.array))
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        state["step"] += 1
        v = state["square_avg"].array = alpha * state["square_avg"].array + (1 - alpha) * (g * g)
        if group["centered"]:
            g_avg = state["grad_avg"].array = alpha * state["grad_avg"].array + (1 - alpha) * g
            v = v - g_avg * g_avg
        if mu > 0:
            b = state["momentum_buffer"].array = mu * state["momentum_buffer"].array + g / (
                xp.sqrt(v) + eps)
            self._write(p, p.array - group["lr"] * b)
        else:
            self._write(p, p.array - group["lr"] * g / (xp.sqrt(v) + eps))
