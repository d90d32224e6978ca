"""W3: ``sum(A @ B)`` for 1024x1024 float32 A and B, forward + backward. Goal: <= 1.03x the
floor, which is the three raw matmuls by hand (``C = A @ B``, ``dA = G @ B.T``,
``dB = A.T @ G`` with ``G = ones``) plus the sum and the ones array.

The matmuls take tens of milliseconds, so any per-op overhead vanishes; what can show is an
extra pass over a 4 MB array, or a matmul handed an operand BLAS cannot take directly (e.g. a
broadcast view with zero strides, which NumPy then multiplies without BLAS).
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402

N = 1024


def make_data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    return {"A": rng.standard_normal((n, n), dtype=np.float32),
            "B": rng.standard_normal((n, n), dtype=np.float32)}


def build_floor(d):
    A, B = d["A"], d["B"]
    state = {}

    def step():
        C = A @ B
        C.sum()
        G = np.ones_like(C)
        state["grads"] = [G @ B.T, A.T @ G]

    return step, lambda: state["grads"]


def build_minigrad(d):
    import minigrad as mg

    A = mg.tensor(d["A"], requires_grad=True)
    B = mg.tensor(d["B"], requires_grad=True)

    def step():
        A.grad = B.grad = None
        (A @ B).sum().backward()

    return step, lambda: [A.grad.numpy(), B.grad.numpy()]


def build_autograd(d, ag):
    autograd, anp = ag
    df = autograd.grad(lambda A, B: anp.sum(anp.dot(A, B)), argnum=(0, 1))
    state = {}

    def step():
        state["grads"] = df(d["A"], d["B"])

    return step, lambda: list(state["grads"])


def build_torch(d, torch):
    A = torch.from_numpy(d["A"].copy()).requires_grad_()
    B = torch.from_numpy(d["B"].copy()).requires_grad_()

    def step():
        A.grad = B.grad = None
        (A @ B).sum().backward()

    return step, lambda: [A.grad.numpy().copy(), B.grad.numpy().copy()]


def builders(peers=True):
    out = {"floor": build_floor, "minigrad": build_minigrad}
    out.update(_common.peer_builders(peers, build_autograd, build_torch))
    return out


def run(quick=False, peers=True) -> dict:
    d = make_data(n=128 if quick else N)
    steps, checks, want = {}, [], None
    for name, build in builders(peers).items():
        step, state = build(d)
        step()
        if name == "floor":
            want = state()
        else:
            c = _common.check_close(name, state(), want, rtol=1e-4, atol=1e-3)
            if c != "ok":
                checks.append(c)
        steps[name] = step
    cfg = _common.settings(quick)
    if not quick:
        cfg.update(rounds=15, warmup=2)
    t = _common.measure(steps, **cfg)
    title = f"sum(A @ B), {len(d['A'])}x{len(d['A'])} float32, fwd+bwd"
    return _common.result("W3", title, "ms", 1, t, goal=1.03, check="; ".join(checks) or "ok")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
