"""Adam and AdamW (Adam with decoupled weight decay)."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """PyTorch's Adam, step for step. For each tensor θ with gradient g, at step t = 1, 2, ...:

        g ← -g if maximize;   g ← g + λ θ if weight_decay λ ≠ 0   (L2 penalty, coupled)
        m ← β1 m + (1 - β1) g                 v ← β2 v + (1 - β2) g²
        m̂ ← m / (1 - β1^t)
        v̂ ← v / (1 - β2^t)   or, with amsgrad, v_max ← max(v_max, v) and v̂ ← v_max / (1 - β2^t)
        θ ← θ - lr m̂ / (sqrt(v̂) + ε)

    The bias corrections undo the zero initialisation of m and v. Kingma & Ba write the same
    update; AMSGrad's paper (Reddi et al., 2018) takes the max of the *uncorrected* v and has no
    bias correction: PyTorch (and this class) keep the max of v and then correct it.
    ``decoupled_weight_decay=True`` gives AdamW.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, g):
        self._check(g["lr"] >= 0, "learning rate", g["lr"])
        self._check(g["eps"] >= 0, "epsilon value", g["eps"])
        b1, b2 = g["betas"]
        self._check(0 <= b1 < 1, "beta parameter at index 0", b1)
        self._check(0 <= b2 < 1, "beta parameter at index 1", b2)
        self._check(g["weight_decay"] >= 0, "weight_decay value", g["weight_decay"])

    def _update(self, p, grad, group, state):
        xp = backend.namespace(p.array)
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor(xp.zeros_like(p.array))
            state["exp_avg_sq"] = Tensor(xp.zeros_like(p.array))
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = Tensor(xp.zeros_like(p.array))
        g = -grad if group["maximize"] else grad
        theta = p.array
        if wd != 0:
            if group["decoupled_weight_decay"]:
                theta = theta - lr * wd * theta
            else:
                g = g + wd * theta
        # BEGIN SOLUTION ex3_5
        t = state["step"] = state["step"] + 1
        m = state["exp_avg"].array = b1 * state["exp_avg"].array + (1 - b1) * g
        v = state["exp_avg_sq"].array = b2 * state["exp_avg_sq"].array + (1 - b2) * (g * g)
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"].array = xp.maximum(state["max_exp_avg_sq"].array, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        self._write(p, theta - lr * m_hat / (xp.sqrt(v_hat) + eps))
        # END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as in PyTorch:

        θ ← θ - lr λ θ      (before the Adam step, and outside m and v)

    then the Adam update above without the L2 term. Unlike an L2 penalty, the decay is not
    rescaled by Adam's per-coordinate step sizes. The paper multiplies the decay by a schedule
    multiplier instead of lr; PyTorch and minigrad use lr. Default ``weight_decay=1e-2``.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
