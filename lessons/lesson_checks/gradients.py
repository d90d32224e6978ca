"""``check_gradients``: lesson 2's finite-difference check of a model's gradient, for the
lessons that train a model (02 explains it and imports it, as do 04, 07, 10 and 11)."""
from __future__ import annotations

import numpy as np

import minigrad


def check_gradients(loss_fn, params, eps=1e-6, rtol=1e-6, seed=0):
    """Backward's gradient against central finite differences of the forward pass alone (which
    runs no backward rule), along one random direction v per parameter: <p.grad, v> should be
    (L(p + eps v) - L(p - eps v)) / (2 eps). Float64 parameters. Returns the worst relative gap;
    raises AssertionError naming the parameter when a gap exceeds ``rtol``."""
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = None
    loss_fn().backward()
    worst = 0.0
    for i, p in enumerate(params):
        v = rng.normal(size=tuple(p.shape))
        step = minigrad.tensor(eps * v, dtype=p.dtype, device=p.device)
        with minigrad.no_grad():
            p.add_(step)
            up = loss_fn().item()
            p.add_(-2.0 * step)
            down = loss_fn().item()
            p.add_(step)
        numeric = (up - down) / (2 * eps)
        analytic = float((p.grad.numpy() * v).sum()) if p.grad is not None else 0.0
        gap = abs(analytic - numeric) / (abs(numeric) + abs(analytic) + 1e-12)
        assert gap < rtol or abs(analytic - numeric) < 1e-9, (
            f"parameter {i} {tuple(p.shape)}: backward gives {analytic:.8g} along v, "
            f"finite differences {numeric:.8g}")
        worst = max(worst, gap)
    return worst
