"""W1: per-op overhead. 300 elementwise ops (mul, add, tanh, cycling) on 8x8 float64,
forward + backward, reported per op. Goal: <= 3.0x the hand-written NumPy floor (stretch 2.5x).

The chain is ``h = tanh((h * a) + b)`` repeated 100 times from ``h = x``; ``a`` and ``b`` are
shared weights used by every step (so their gradients accumulate over 100 uses), the loss is
``h.sum()``. On 8x8 arrays NumPy's own call costs dominate, so the ratio measures what the
library adds per op: building the node, wrapping outputs, and the backward walk.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402

N_OPS = 300
SHAPE = (8, 8)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal(SHAPE), "a": 0.5 + 0.5 * rng.random(SHAPE),
            "b": 0.1 * rng.standard_normal(SHAPE)}


# ----------------------------------------------------------------------------- floor
def build_floor(d):
    """Forward saves what backward needs; backward walks the ops in reverse by hand."""
    x, a, b = d["x"], d["a"], d["b"]
    state = {}

    def step():
        saved = []
        h = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                saved.append(h)
                h = h * a
            elif k == 1:
                h = h + b
            else:
                h = np.tanh(h)
                saved.append(h)
        h.sum()
        g = np.ones_like(h)
        ga = np.zeros_like(a)
        gb = np.zeros_like(b)
        for i in reversed(range(N_OPS)):
            k = i % 3
            if k == 2:
                y = saved.pop()
                g = g * (1.0 - y * y)
            elif k == 1:
                gb += g
            else:
                ga += g * saved.pop()
                g = g * a
        state["grads"] = [g, ga, gb]

    return step, lambda: state["grads"]


# ----------------------------------------------------------------------------- minigrad
def build_minigrad(d):
    import minigrad as mg

    x = mg.tensor(d["x"], requires_grad=True)
    a = mg.tensor(d["a"], requires_grad=True)
    b = mg.tensor(d["b"], requires_grad=True)

    def step():
        x.grad = a.grad = b.grad = None
        h = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                h = h * a
            elif k == 1:
                h = h + b
            else:
                h = h.tanh()
        h.sum().backward()

    return step, lambda: [t.grad.numpy() for t in (x, a, b)]


# ----------------------------------------------------------------------------- peers
def build_autograd(d, ag):
    autograd, anp = ag

    def f(x, a, b):
        h = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                h = h * a
            elif k == 1:
                h = h + b
            else:
                h = anp.tanh(h)
        return anp.sum(h)

    df = autograd.grad(f, argnum=(0, 1, 2))
    state = {}

    def step():
        state["grads"] = df(d["x"], d["a"], d["b"])

    return step, lambda: list(state["grads"])


def build_torch(d, torch):
    x, a, b = (torch.tensor(d[k], dtype=torch.float64, requires_grad=True) for k in "xab")

    def step():
        x.grad = a.grad = b.grad = None
        h = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                h = h * a
            elif k == 1:
                h = h + b
            else:
                h = torch.tanh(h)
        h.sum().backward()

    return step, lambda: [t.grad.numpy().copy() for t in (x, a, b)]


def build_dezero(d, dz):
    F = dz.functions
    x, a, b = (dz.Variable(d[k].copy()) for k in "xab")

    def step():
        for v in (x, a, b):
            v.cleargrad()
        h = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                h = h * a
            elif k == 1:
                h = h + b
            else:
                h = F.tanh(h)
        F.sum(h).backward()

    return step, lambda: [v.grad.data.copy() for v in (x, a, b)]


# ----------------------------------------------------------------------------- run
def builders(peers=True):
    out = {"floor": build_floor, "minigrad": build_minigrad}
    out.update(_common.peer_builders(peers, build_autograd, build_torch, build_dezero))
    return out


def run(quick=False, peers=True) -> dict:
    d = make_data()
    steps, checks = {}, []
    want = None
    for name, build in builders(peers).items():
        step, state = build(d)
        step()
        if name == "floor":
            want = state()
        else:
            c = _common.check_close(name, state(), want, rtol=1e-9, atol=1e-9)
            if c != "ok":
                checks.append(c)
        steps[name] = step
    t = _common.measure(steps, **_common.settings(quick))
    return _common.result("W1", "300 elementwise ops, 8x8 float64, fwd+bwd (per op)", "us",
                          N_OPS, t, goal=3.0, stretch=2.5, check="; ".join(checks) or "ok")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
