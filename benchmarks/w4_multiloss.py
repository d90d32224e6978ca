"""W4: the multi-loss step. A shared Linear 64->32 (weight W stored (in, out)), a head Linear
32->10 with cross-entropy, and an auxiliary PCA-style loss ``-trace(W.T @ S @ W)`` on the shared
weight with ``S`` the covariance of the input batch; the total is ``0.7 * CE + 0.3 * aux``,
followed by an SGD step. Batch 128, float32. Goal: <= 2.0x the hand-written NumPy floor.

The gradient of the shared weight is the sum of what reaches it from both losses (fan-out).
minigrad computes the auxiliary loss with ``minigrad.ops.pca.pca_loss`` (one node with the
closed-form gradient ``-(S + S.T) @ W``); the note also times the same loss composed from
``matmul``/``trace``, as a student would first write it.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402

N_IN, N_HID, N_CLS = 64, 32, 10
BATCH = 128
LR = 1e-3  # small: the auxiliary loss is unbounded below and would blow W up over many steps
ALPHA = 0.7  # weight of cross-entropy; the auxiliary loss gets 1 - ALPHA


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    f = np.float32
    return {"x": rng.standard_normal((BATCH, N_IN), dtype=f),
            "y": rng.integers(0, N_CLS, BATCH),
            "W": (rng.standard_normal((N_IN, N_HID)) / np.sqrt(N_IN)).astype(f),
            "b": np.zeros(N_HID, f),
            "V": (rng.standard_normal((N_HID, N_CLS)) / np.sqrt(N_HID)).astype(f),
            "c": np.zeros(N_CLS, f)}


def param_list(d):
    return [d[k].copy() for k in "WbVc"]


# ----------------------------------------------------------------------------- floor
def build_floor(d, lr=LR):
    x, y = d["x"], d["y"]
    rows = np.arange(BATCH)
    W, b, V, c = params = param_list(d)

    def step():
        xc = x - x.mean(axis=0)
        S = (xc.T @ xc) / (BATCH - 1)
        h = x @ W + b
        z = h @ V + c
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        se = e.sum(axis=1, keepdims=True)
        ce = -(shifted[rows, y] - np.log(se[:, 0])).mean()
        SW = S @ W
        aux = -(W * SW).sum()
        loss = ALPHA * ce + (1 - ALPHA) * aux
        # backward (S is symmetric, so d aux / dW = -2 S W, reusing SW)
        gz = e / se
        gz[rows, y] -= 1.0
        gz *= ALPHA / BATCH
        gV, gc = h.T @ gz, gz.sum(axis=0)
        gh = gz @ V.T
        gW = x.T @ gh - (2 * (1 - ALPHA)) * SW
        gb = gh.sum(axis=0)
        for p, g in zip(params, (gW, gb, gV, gc)):
            p -= lr * g
        return loss

    return step, lambda: [p.copy() for p in params]


# ----------------------------------------------------------------------------- minigrad
def build_minigrad(d, lr=LR, composed=False):
    import minigrad as mg
    from minigrad.ops.pca import pca_loss

    x = mg.tensor(d["x"])
    rows, yi = np.arange(BATCH), d["y"]
    params = [mg.tensor(p, requires_grad=True) for p in param_list(d)]
    W, b, V, c = params

    def step():
        xc = x - x.mean(dim=0, keepdim=True)
        S = (xc.T @ xc) / (BATCH - 1)
        h = x @ W + b
        logits = h @ V + c
        ce = -logits.log_softmax(dim=-1)[rows, yi].mean()
        aux = -(W.T @ S @ W).trace() if composed else pca_loss(W, S)
        loss = ALPHA * ce + (1 - ALPHA) * aux
        loss.backward()
        for p in params:
            p.array -= lr * p.grad.array
            p.grad = None
        return loss

    return step, lambda: [p.detach().numpy().copy() for p in params]


# ----------------------------------------------------------------------------- peers
def build_autograd(d, ag, lr=LR):
    autograd, anp = ag
    x, y = d["x"], d["y"]
    rows = np.arange(BATCH)
    params = param_list(d)

    def loss_fn(ps):
        W, b, V, c = ps
        xc = x - anp.mean(x, axis=0)
        S = anp.dot(xc.T, xc) / (BATCH - 1)
        z = anp.dot(anp.dot(x, W) + b, V) + c
        shifted = z - anp.max(z, axis=1, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        ce = -anp.mean(logp[rows, y])
        aux = -anp.trace(anp.dot(anp.dot(W.T, S), W))
        return ALPHA * ce + (1 - ALPHA) * aux

    g = autograd.grad(loss_fn)

    def step():
        grads = g(params)
        for i, gi in enumerate(grads):
            params[i] = params[i] - lr * gi

    return step, lambda: [p.copy() for p in params]


def build_torch(d, torch, lr=LR):
    x, y = torch.from_numpy(d["x"].copy()), torch.from_numpy(d["y"].copy())
    params = [torch.from_numpy(p).requires_grad_() for p in param_list(d)]
    W, b, V, c = params
    opt = torch.optim.SGD(params, lr=lr)
    F = torch.nn.functional

    def step():
        opt.zero_grad()
        xc = x - x.mean(dim=0, keepdim=True)
        S = (xc.T @ xc) / (BATCH - 1)
        logits = (x @ W + b) @ V + c
        aux = -torch.trace(W.T @ S @ W)
        loss = ALPHA * F.cross_entropy(logits, y) + (1 - ALPHA) * aux
        loss.backward()
        opt.step()

    return step, lambda: [p.detach().numpy().copy() for p in params]


# ----------------------------------------------------------------------------- run
def builders(peers=True):
    out = {"floor": build_floor, "minigrad": build_minigrad,
           "minigrad_composed": lambda d, lr=LR: build_minigrad(d, lr, composed=True)}
    out.update(_common.peer_builders(peers, build_autograd, build_torch))
    return out


def run(quick=False, peers=True) -> dict:
    import w2_mlp

    d = make_data()
    blds = builders(peers)
    chk = w2_mlp.check(blds, d, rtol=1e-4, atol=1e-4)
    steps = {name: build(d)[0] for name, build in blds.items()}
    t = _common.measure(steps, **_common.settings(quick))
    composed = t["minigrad_composed"]["median"] / t["floor"]["median"]
    return _common.result(
        "W4", "shared Linear 64->32, CE head + 0.3 * PCA aux loss, SGD step, batch 128", "us",
        1, t, goal=2.0, check=chk,
        note=f"with the aux loss composed as -(W.T @ S @ W).trace() instead of pca_loss: "
             f"{composed:.2f}x")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
