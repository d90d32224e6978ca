"""Digits: wall time of a small real training run, minigrad vs the hand-written NumPy floor.

The 8x8 digits that ship with minigrad (1,797 images, pixels scaled to [0, 1]) train the W2
model (MLP 64-256-256-10, ReLU, cross-entropy, plain SGD with lr 0.1) for a few epochs of
shuffled mini-batches of 128; both sides see the same batches in the same order from the same
initial weights, so they must also reach the same training accuracy (checked). There is no goal:
this row shows what the W2 ratio means for a whole run. Needs ``minigrad.nn`` and
``minigrad.optim``; skipped (``None``) without them.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402
import w2_mlp  # noqa: E402

LR = 0.1
BATCH = 128


def _batches(n, epochs, seed=0):
    rng = np.random.default_rng(seed)
    return [idx for _ in range(epochs) for idx in np.array_split(rng.permutation(n),
                                                                  -(-n // BATCH))]


def train_floor(X, y, d, batches):
    W0, b0, W1, b1, W2, b2 = params = w2_mlp.param_list(d)
    for idx in batches:
        x, t = X[idx], y[idx]
        n = len(idx)
        z0 = x @ W0 + b0
        h0 = np.maximum(z0, 0)
        z1 = h0 @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        g2 = e / e.sum(axis=1, keepdims=True)
        g2[np.arange(n), t] -= 1.0
        g2 /= n
        gW2, gb2 = h1.T @ g2, g2.sum(axis=0)
        g1 = (g2 @ W2.T) * (z1 > 0)
        gW1, gb1 = h0.T @ g1, g1.sum(axis=0)
        g0 = (g1 @ W1.T) * (z0 > 0)
        gW0, gb0 = x.T @ g0, g0.sum(axis=0)
        for p, g in zip(params, (gW0, gb0, gW1, gb1, gW2, gb2)):
            p -= LR * g
    h = np.maximum(np.maximum(X @ W0 + b0, 0) @ W1 + b1, 0)
    return float(((h @ W2 + b2).argmax(axis=1) == y).mean())


def train_minigrad(X, y, d, batches):
    import minigrad as mg
    from minigrad import nn, optim

    layers = [nn.Linear(a, b) for a, b in zip(w2_mlp.SIZES[:-1], w2_mlp.SIZES[1:])]
    flip = w2_mlp._out_in(layers, w2_mlp.SIZES)
    for i, lin in enumerate(layers):
        lin.weight.array[...] = d[f"W{i}"].T if flip else d[f"W{i}"]
        lin.bias.array[...] = d[f"b{i}"]
    model = nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), layers[2])
    opt = optim.SGD(model.parameters(), lr=LR)
    Xt, yt = mg.tensor(X), mg.tensor(y)
    for idx in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(model(Xt[idx]), yt[idx]).backward()
        opt.step()
    with mg.no_grad():
        return float((model(Xt).argmax(dim=1) == yt).float().mean().item())


def run(quick=False, peers=True):
    if not w2_mlp._nn_available():
        return None
    from minigrad.data.digits import load_digits

    Xt, yt = load_digits()
    X, y = (Xt.numpy() / 16.0).astype(np.float32), yt.numpy()
    d = w2_mlp.make_data()
    epochs, repeats = (1, 1) if quick else (10, 5)
    batches = _batches(len(X), epochs)
    times = {"floor": [], "minigrad": []}
    acc = {}
    for r in range(repeats):
        for name, fn in ((("floor", train_floor), ("minigrad", train_minigrad)) if r % 2 == 0
                         else (("minigrad", train_minigrad), ("floor", train_floor))):
            t0 = time.perf_counter()
            acc[name] = fn(X, y, d, batches)
            times[name].append(time.perf_counter() - t0)
    t = {k: {"median": statistics.median(v), "min": min(v)} for k, v in times.items()}
    check = "ok" if abs(acc["floor"] - acc["minigrad"]) <= 0.01 else (
        f"training accuracy {acc['minigrad']:.3f} vs floor {acc['floor']:.3f}")
    res = _common.result("digits", f"train W2 model on digits, {epochs} epochs (wall time)",
                         "s", 1, t, goal=None, check=check,
                         note=f"digits training accuracy: minigrad {acc['minigrad']:.3f}, "
                              f"floor {acc['floor']:.3f}")
    return res


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    r = run(args.quick)
    if r is None:
        print("digits: skipped (minigrad.nn / minigrad.optim not available)")
    else:
        _common.emit([r], args.json)
