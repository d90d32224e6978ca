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


def make_data(seed=0, sizes=SIZES, batch=BATCH, dtype=np.float32):
    """Inputs, labels and weights (W as (in, out)); the model's shape travels in the dict, so
    the same builders serve W2 and W2s (a small float64 MLP)."""
    rng = np.random.default_rng(seed)
    d = {"x": rng.standard_normal((batch, sizes[0])).astype(dtype),
         "y": rng.integers(0, sizes[-1], batch), "sizes": tuple(sizes), "batch": batch}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1.0 / np.sqrt(n_in)
        d[f"W{i}"] = rng.uniform(-bound, bound, (n_in, n_out)).astype(dtype)  # (in, out)
        d[f"b{i}"] = rng.uniform(-bound, bound, n_out).astype(dtype)
    return d


def param_list(d):
    return [d[f"{k}{i}"].copy() for i in range(len(d["sizes"]) - 1) for k in "Wb"]


# ----------------------------------------------------------------------------- floor
def build_floor(d, lr=LR):
    x, y = d["x"], d["y"]
    rows = np.arange(d["batch"])
    params = param_list(d)  # W0, b0, W1, b1, ...
    n = len(params) // 2

    def step():
        acts, zs = [x], []
        for k in range(n):
            zs.append(acts[-1] @ params[2 * k] + params[2 * k + 1])
            if k < n - 1:
                acts.append(np.maximum(zs[-1], 0))
        z = zs[-1]
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        se = e.sum(axis=1, keepdims=True)
        loss = -(shifted - np.log(se))[rows, y].mean()
        # backward: d loss / d z = (softmax - onehot) / B, then layer by layer
        g = e / se
        g[rows, y] -= 1.0
        g /= d["batch"]
        grads = [None] * (2 * n)
        for k in reversed(range(n)):
            grads[2 * k], grads[2 * k + 1] = acts[k].T @ g, g.sum(axis=0)
            if k > 0:
                g = (g @ params[2 * k].T) * (zs[k - 1] > 0)
        for p, gp in zip(params, grads):
            p -= lr * gp
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


def _out_in(layers, sizes) -> bool:
    """True when nn.Linear stores its weight as (out, in) like PyTorch (judged on layer 0,
    which is not square)."""
    return tuple(layers[0].weight.shape) == (sizes[1], sizes[0])


def build_minigrad(d, lr=LR):
    import minigrad as mg

    x = mg.tensor(d["x"])
    y = mg.tensor(d["y"])
    if _nn_available():
        from minigrad import nn, optim

        sizes = d["sizes"]
        dt = mg.float64 if d["x"].dtype == np.float64 else mg.float32
        layers = [nn.Linear(a, b, dtype=dt) for a, b in zip(sizes[:-1], sizes[1:])]
        flip = _out_in(layers, sizes)
        for i, lin in enumerate(layers):
            W = d[f"W{i}"]
            lin.weight.array[...] = W.T if flip else W
            lin.bias.array[...] = d[f"b{i}"]
        mods = []
        for lin in layers:
            mods += [lin, nn.ReLU()]
        model = nn.Sequential(*mods[:-1])
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
    rows = np.arange(d["batch"])
    yi = d["y"]

    def step():
        h = x
        for k in range(0, len(params), 2):
            h = h @ params[k] + params[k + 1]
            h = h.relu() if k + 2 < len(params) else h
        loss = -h.log_softmax(dim=-1)[rows, yi].mean()
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
    rows = np.arange(d["batch"])
    params = param_list(d)

    def loss_fn(ps):
        h = x
        for k in range(0, len(ps), 2):
            h = anp.dot(h, ps[k]) + ps[k + 1]
            h = anp.maximum(h, 0) if k + 2 < len(ps) else h
        shifted = h - anp.max(h, axis=1, keepdims=True)
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
    sizes = d["sizes"]
    dt = torch.float64 if d["x"].dtype == np.float64 else torch.float32
    layers = [torch.nn.Linear(a, b, dtype=dt) for a, b in zip(sizes[:-1], sizes[1:])]
    with torch.no_grad():
        for i, lin in enumerate(layers):
            lin.weight.copy_(torch.from_numpy(d[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(d[f"b{i}"]))
    mods = []
    for lin in layers:
        mods += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*mods[:-1])
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


def build_dezero(d, dz, lr=LR):
    F, L = dz.functions, dz.layers
    x, y = d["x"], d["y"]
    sizes = d["sizes"]
    layers = [L.Linear(b, in_size=a, dtype=d["x"].dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    for i, lin in enumerate(layers):
        lin.W.data = d[f"W{i}"].copy()  # DeZero keeps W as (in, out) too
        lin.b.data = d[f"b{i}"].copy()
    params = [p for lin in layers for p in (lin.W, lin.b)]
    opt = dz.optimizers.SGD(lr).setup(_DezeroModel(layers, dz))

    def step():
        for p in params:
            p.cleargrad()
        h = x
        for lin in layers[:-1]:
            h = F.relu(lin(h))
        loss = F.softmax_cross_entropy(layers[-1](h), y)
        loss.backward()
        opt.update()

    return step, lambda: [p.data.copy() for p in params]


def _DezeroModel(layers, dz):
    """A DeZero Model holding the layers, so its optimizer finds their parameters."""
    model = dz.Model()
    for i, lin in enumerate(layers):
        setattr(model, f"l{i}", lin)
    return model


# ----------------------------------------------------------------------------- run
def builders(peers=True):
    out = {"floor": build_floor, "minigrad": build_minigrad}
    out.update(_common.peer_builders(peers, build_autograd, build_torch, build_dezero))
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


def run(quick=False, peers=True, wid="W2", d=None, goal=1.15, unit="ms",
        title="MLP 64-256-256-10 step, batch 128, float32") -> dict:
    d = make_data() if d is None else d
    blds = builders(peers)
    chk = check(blds, d)
    steps = {name: build(d)[0] for name, build in blds.items()}
    t = _common.measure(steps, **_common.settings(quick))
    return _common.result(wid, title, unit, 1, t, goal=goal, check=chk,
                          note=f"minigrad path: {MODE}")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
