"""W2: one training step of an MLP 64-256-256-10 (ReLU, cross-entropy, plain SGD), batch 128,
float32. Goal: <= 1.15x the hand-written NumPy floor.

Here the arrays are big enough that the matmuls dominate, so the ratio measures whether the
library adds extra array passes (copies, broadcasts, reductions) on top of the floor's.
minigrad uses ``minigrad.nn``/``minigrad.optim`` when they exist (``MODE`` says which path ran);
otherwise the same model written with raw minigrad ops and a manual SGD update.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402

SIZES = (64, 256, 256, 10)
BATCH = 128
LR = 0.01


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    d = {"x": rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32),
         "y": rng.integers(0, SIZES[-1], BATCH)}
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        bound = 1.0 / np.sqrt(n_in)
        d[f"W{i}"] = rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32)  # (in, out)
        d[f"b{i}"] = rng.uniform(-bound, bound, n_out).astype(np.float32)
    return d


def param_list(d):
    return [d[f"{k}{i}"].copy() for i in range(len(SIZES) - 1) for k in "Wb"]


# ----------------------------------------------------------------------------- floor
def build_floor(d, lr=LR):
    x, y = d["x"], d["y"]
    rows = np.arange(BATCH)
    W0, b0, W1, b1, W2, b2 = params = param_list(d)

    def step():
        z0 = x @ W0 + b0
        h0 = np.maximum(z0, 0)
        z1 = h0 @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        shifted = z2 - z2.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        se = e.sum(axis=1, keepdims=True)
        logp = shifted - np.log(se)
        loss = -logp[rows, y].mean()
        # backward: d loss / d z2 = (softmax - onehot) / B
        g2 = e / se
        g2[rows, y] -= 1.0
        g2 /= BATCH
        gW2, gb2 = h1.T @ g2, g2.sum(axis=0)
        g1 = (g2 @ W2.T) * (z1 > 0)
        gW1, gb1 = h0.T @ g1, g1.sum(axis=0)
        g0 = (g1 @ W1.T) * (z0 > 0)
        gW0, gb0 = x.T @ g0, g0.sum(axis=0)
        for p, g in zip(params, (gW0, gb0, gW1, gb1, gW2, gb2)):
            p -= lr * g
        return loss

    return step, lambda: [p.copy() for p in params]


# ----------------------------------------------------------------------------- minigrad
def _nn_available():
    try:
        from minigrad import nn, optim
    except ImportError:
        return False
    F = getattr(nn, "functional", None)
    return (hasattr(nn, "Linear") and hasattr(nn, "Sequential") and hasattr(nn, "ReLU")
            and hasattr(optim, "SGD") and F is not None and hasattr(F, "cross_entropy"))


MODE = "minigrad.nn + minigrad.optim" if _nn_available() else "raw minigrad ops + manual SGD"


def _out_in(layers) -> bool:
    """True when nn.Linear stores its weight as (out, in) like PyTorch (judged on layer 0,
    which is not square)."""
    return tuple(layers[0].weight.shape) == (SIZES[1], SIZES[0])


def build_minigrad(d, lr=LR):
    import minigrad as mg

    x = mg.tensor(d["x"])
    y = mg.tensor(d["y"])
    if _nn_available():
        from minigrad import nn, optim

        layers = [nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
        flip = _out_in(layers)
        for i, lin in enumerate(layers):
            W = d[f"W{i}"]
            lin.weight.array[...] = W.T if flip else W
            lin.bias.array[...] = d[f"b{i}"]
        model = nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), layers[2])
        opt = optim.SGD(model.parameters(), lr=lr)
        F = nn.functional

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        def state():
            out = []
            for lin in layers:
                w = lin.weight.detach().numpy()
                out += [(w.T if flip else w).copy(), lin.bias.detach().numpy().copy()]
            return out

        return step, state

    params = [mg.tensor(p, requires_grad=True) for p in param_list(d)]
    W0, b0, W1, b1, W2, b2 = params
    rows = np.arange(BATCH)
    yi = d["y"]

    def step():
        h = (x @ W0 + b0).relu()
        h = (h @ W1 + b1).relu()
        logits = h @ W2 + b2
        loss = -logits.log_softmax(dim=-1)[rows, yi].mean()
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
        W0, b0, W1, b1, W2, b2 = ps
        h = anp.maximum(anp.dot(x, W0) + b0, 0)
        h = anp.maximum(anp.dot(h, W1) + b1, 0)
        z = anp.dot(h, W2) + b2
        shifted = z - anp.max(z, axis=1, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(logp[rows, y])

    g = autograd.grad(loss_fn)

    def step():
        grads = g(params)
        for i, gi in enumerate(grads):
            params[i] = params[i] - lr * gi

    return step, lambda: [p.copy() for p in params]


def build_torch(d, torch, lr=LR):
    x, y = torch.from_numpy(d["x"].copy()), torch.from_numpy(d["y"].copy())
    layers = [torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
    with torch.no_grad():
        for i, lin in enumerate(layers):
            lin.weight.copy_(torch.from_numpy(d[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(d[f"b{i}"]))
    model = torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1], torch.nn.ReLU(), layers[2])
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    F = torch.nn.functional

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def state():
        out = []
        for lin in layers:
            out += [lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()]
        return out

    return step, state


# ----------------------------------------------------------------------------- run
def builders(peers=True):
    out = {"floor": build_floor, "minigrad": build_minigrad}
    out.update(_common.peer_builders(peers, build_autograd, build_torch))
    return out


def check(blds, d, rtol=1e-4, atol=1e-5) -> str:
    """One step at lr=1 from identical weights: every implementation must land on the floor's
    weights (so the floor's hand-written backward is checked too)."""
    want, msgs = None, []
    for name, build in blds.items():
        step, state = build(d, lr=1.0)
        step()
        if name == "floor":
            want = state()
        else:
            c = _common.check_close(name, state(), want, rtol=rtol, atol=atol)
            if c != "ok":
                msgs.append(c)
    return "; ".join(msgs) or "ok"


def run(quick=False, peers=True) -> dict:
    d = make_data()
    blds = builders(peers)
    chk = check(blds, d)
    steps = {name: build(d)[0] for name, build in blds.items()}
    t = _common.measure(steps, **_common.settings(quick))
    return _common.result("W2", "MLP 64-256-256-10 step, batch 128, float32", "ms", 1, t,
                          goal=1.15, check=chk, note=f"minigrad path: {MODE}")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
