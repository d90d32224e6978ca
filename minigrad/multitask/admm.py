"""Two objectives trained by turns: ADMM (block steps plus a dual variable) and plain
alternation (block steps alone), for updates that are not one gradient of one loss.

* :func:`admm` solves ``min_x f(x) + g(z)`` subject to ``x = z`` (Boyd, Parikh, Chu, Peleato,
  Eckstein, *Distributed Optimization and Statistical Learning via the Alternating Direction
  Method of Multipliers*, Foundations and Trends in ML 3(1), 2011), scaled form:

      x <- argmin_x f(x) + rho/2 |x - z + u|^2       (prox of f at z - u)
      z <- argmin_z g(z) + rho/2 |x - z + u|^2       (prox of g at x + u)
      u <- u + x - z                                  (the scaled dual variable)

  For convex ``f`` and ``g`` it converges to the joint minimiser of ``f + g``. Each block may be
  solved exactly (pass ``prox_f``/``prox_g``) or approximately by a few gradient steps.
* :func:`alternate` takes one gradient step on each objective in turn on the *same*
  parameters (two optimizers, one per loss). That is block-coordinate descent on the sum with
  no dual variable: with a constant step it settles into a limit cycle *near* the minimiser of
  the sum, not at it (for two quadratics the bias is exactly computable; see the tests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..autograd import grad
from ..creation import zeros_like
from ..tensor import Tensor


def _leaf(t: Tensor) -> Tensor:
    return t.detach().requires_grad_()


def _norm(t: Tensor) -> float:
    return math.sqrt(float((t * t).sum().item()))


def gradient_prox(fn, rho: float, steps: int = 50, lr: float = 0.1):
    """A prox by gradient descent: ``v -> argmin_x fn(x) + rho/2 |x - v|^2``, approximately
    (``steps`` steps of size ``lr``), warm-started from its previous answer (inexact ADMM: the
    inner error shrinks as the outer iterates settle). ``lr < 2 / (L + rho)`` for an
    ``L``-smooth ``fn``."""
    last: dict = {}

    def prox(v: Tensor) -> Tensor:
        start = last.get("x")
        x = _leaf(start if start is not None and start.shape == v.shape else v)
        for _ in range(steps):
            obj = fn(x) + 0.5 * rho * ((x - v) ** 2).sum()
            (g,) = grad(obj, x)
            x = _leaf(x - lr * g)
        last["x"] = x.detach()
        return last["x"]

    return prox


@dataclass
class ADMMResult:
    """Final ``x``, ``z``, scaled dual ``u``, and per-iteration primal residual ``|x - z|`` and
    dual residual ``rho |z - z_prev|`` (both go to 0 at the solution)."""
    x: Tensor
    z: Tensor
    u: Tensor
    primal_residuals: list = field(default_factory=list)
    dual_residuals: list = field(default_factory=list)


def admm(f, g, x0: Tensor, rho: float = 1.0, steps: int = 100, prox_f=None, prox_g=None,
         inner_steps: int = 50, lr: float = 0.1, tol: float = 0.0) -> ADMMResult:
    """Minimise ``f(x) + g(z)`` subject to ``x = z`` by scaled ADMM, starting at ``x0``.

    ``f``, ``g``: callables from a Tensor to a scalar Tensor. ``prox_f(v)`` must return
    ``argmin_x f(x) + rho/2 |x - v|^2`` (same for ``prox_g``); without one, ``inner_steps``
    gradient steps of size ``lr`` approximate it. Stops early once both residuals are below
    ``tol``.
    """
    if rho <= 0:
        raise ValueError(f"admm: rho must be > 0, got {rho}")
    prox_f = prox_f or gradient_prox(f, rho, inner_steps, lr)
    prox_g = prox_g or gradient_prox(g, rho, inner_steps, lr)
    x = x0.detach()
    z = x0.detach()
    u = zeros_like(x)
    res = ADMMResult(x, z, u)
    for _ in range(steps):
        x = prox_f(z - u).detach()
        z_prev = z
        z = prox_g(x + u).detach()
        u = u + x - z
        res.primal_residuals.append(_norm(x - z))
        res.dual_residuals.append(rho * _norm(z - z_prev))
        if res.primal_residuals[-1] <= tol and res.dual_residuals[-1] <= tol:
            break
    res.x, res.z, res.u = x, z, u
    return res


def alternate(objectives, x0: Tensor, lr: float = 0.1, steps: int = 100) -> list[Tensor]:
    """Alternating gradient steps: ``x <- x - lr grad f_k(x)`` for each objective in turn,
    ``steps`` rounds. Returns ``x`` after every round (detached), the last being the result.
    """
    if not objectives:
        raise ValueError("alternate: got no objectives")
    x = _leaf(x0)
    path = []
    for _ in range(steps):
        for f in objectives:
            (gx,) = grad(f(x), x)
            x = _leaf(x - lr * gx)
        path.append(x.detach())
    return path
