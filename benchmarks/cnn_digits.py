"""CNN on digits: seconds per training epoch of a small CNN, minigrad vs a NumPy im2col floor.

The net of ``tests/nn/test_nn_cnn.py`` (conv3x3(1->16, pad 1) - BatchNorm2d - ReLU - maxpool 2,
conv3x3(16->32, pad 1) - BatchNorm2d - ReLU - maxpool 2, flatten, linear 128->10, cross-entropy)
trains on the 8x8 digits (1,347 training images, scaled to [0, 1]) in shuffled batches of 32 with
plain SGD (lr 0.05), float32. The floor is the same net written by hand in NumPy: im2col through
``sliding_window_view``, the batched matrix products minigrad also uses, col2im by a loop over
the 9 kernel positions, the batch-norm and max-pool backward formulas, running statistics kept.
Both (and PyTorch, if importable) start from identical weights and see the same batches: one step
at lr 1 must land on the floor's weights, and a run must reach the same training accuracy
(checked). No goal: the row shows what the engine's per-op overhead costs on a small conv net.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

LR, BATCH, EPS, MOM = 0.05, 32, 1e-5, 0.1
SHAPES = {"c1.w": (16, 1, 3, 3), "c1.b": (16,), "c2.w": (32, 16, 3, 3), "c2.b": (32,),
          "fc.w": (10, 128), "fc.b": (10,)}
NAMES = ["c1.w", "c1.b", "bn1.w", "bn1.b", "c2.w", "c2.b", "bn2.w", "bn2.b", "fc.w", "fc.b"]


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    p = {}
    for k, s in SHAPES.items():
        fan_in = int(np.prod(SHAPES[k[:-1] + "w"][1:]))
        p[k] = rng.uniform(-1, 1, s).astype(np.float32) / np.float32(np.sqrt(fan_in))
    for bn, c in (("bn1", 16), ("bn2", 32)):
        p[f"{bn}.w"], p[f"{bn}.b"] = np.ones(c, np.float32), np.zeros(c, np.float32)
    return p


def load():
    from minigrad.data import load_digits, train_test_split

    X, y = load_digits(images=True)
    X_train, _, y_train, _ = train_test_split((X / 16).reshape(-1, 1, 8, 8), y, test_size=0.25,
                                              stratify=True, seed=0)
    return X_train.numpy(), y_train.numpy()


def batches(n, epochs, seed=0):
    rng = np.random.default_rng(seed)
    return [idx for _ in range(epochs) for idx in np.array_split(rng.permutation(n),
                                                                  -(-n // BATCH))]


# ----------------------------------------------------------------------------- floor
def _conv(x, w, b):
    n, c, h, wd = x.shape
    cols = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
    cols = cols.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * wd)
    out = (w.reshape(w.shape[0], -1) @ cols).reshape(n, -1, h, wd) + b[:, None, None]
    return out, cols


def _conv_back(g, cols, w, x_shape, need_x):
    n, o, h, wd = g.shape
    gm = g.reshape(n, o, h * wd)
    gw = (gm @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    gb = g.sum(axis=(0, 2, 3))
    if not need_x:
        return None, gw, gb
    gcols = (w.reshape(o, -1).T @ gm).reshape(n, x_shape[1], 3, 3, h, wd)
    gx = np.zeros((n, x_shape[1], h + 2, wd + 2), np.float32)
    for i in range(3):
        for j in range(3):
            gx[:, :, i:i + h, j:j + wd] += gcols[:, :, i, j]
    return gx[:, :, 1:-1, 1:-1], gw, gb


def _bn(x, gamma, beta, stats):
    m, v = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    inv = 1 / np.sqrt(v + EPS)
    xhat = (x - m) * inv
    count = x.size // x.shape[1]
    stats[0] = (1 - MOM) * stats[0] + MOM * m.ravel()
    stats[1] = (1 - MOM) * stats[1] + MOM * v.ravel() * count / (count - 1)
    return xhat * gamma[:, None, None] + beta[:, None, None], (xhat, inv)


def _bn_back(g, gamma, cache):
    xhat, inv = cache
    gy = g * gamma[:, None, None]
    gx = inv * (gy - gy.mean(axis=(0, 2, 3), keepdims=True)
                - xhat * (gy * xhat).mean(axis=(0, 2, 3), keepdims=True))
    return gx, (g * xhat).sum(axis=(0, 2, 3)), g.sum(axis=(0, 2, 3))


def _pool(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, h // 2, w // 2, 4)
    arg = r.argmax(axis=-1)
    return np.take_along_axis(r, arg[..., None], -1)[..., 0], arg


def _pool_back(g, arg):
    n, c, h, w = g.shape
    gr = (np.arange(4) == arg[..., None]) * g[..., None]
    return gr.reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


def floor_step(p, stats, x, t, lr):
    """One SGD step of the net by hand; returns the logits (before the step)."""
    z1, cols1 = _conv(x, p["c1.w"], p["c1.b"])
    a1, bn1 = _bn(z1, p["bn1.w"], p["bn1.b"], stats[0])
    h1, arg1 = _pool(np.maximum(a1, 0))
    z2, cols2 = _conv(h1, p["c2.w"], p["c2.b"])
    a2, bn2 = _bn(z2, p["bn2.w"], p["bn2.b"], stats[1])
    h2, arg2 = _pool(np.maximum(a2, 0))
    flat = h2.reshape(len(x), -1)
    logits = flat @ p["fc.w"].T + p["fc.b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    g = e / e.sum(axis=1, keepdims=True)
    g[np.arange(len(x)), t] -= 1.0
    g /= len(x)
    grads = {"fc.w": g.T @ flat, "fc.b": g.sum(axis=0)}
    g = _pool_back((g @ p["fc.w"]).reshape(h2.shape), arg2) * (a2 > 0)
    g, grads["bn2.w"], grads["bn2.b"] = _bn_back(g, p["bn2.w"], bn2)
    g, grads["c2.w"], grads["c2.b"] = _conv_back(g, cols2, p["c2.w"], h1.shape, True)
    g = _pool_back(g, arg1) * (a1 > 0)
    g, grads["bn1.w"], grads["bn1.b"] = _bn_back(g, p["bn1.w"], bn1)
    _, grads["c1.w"], grads["c1.b"] = _conv_back(g, cols1, p["c1.w"], x.shape, False)
    for k in NAMES:
        p[k] -= lr * grads[k]
    return logits


def train_floor(X, y, params, idxs, lr=LR):
    p = {k: v.copy() for k, v in params.items()}
    stats = [[np.zeros(16, np.float32), np.ones(16, np.float32)],
             [np.zeros(32, np.float32), np.ones(32, np.float32)]]
    right = sum(int((floor_step(p, stats, X[i], y[i], lr).argmax(1) == y[i]).sum()) for i in idxs)
    return right / sum(len(i) for i in idxs), [p[k] for k in NAMES]


# ----------------------------------------------------------------------------- minigrad
def train_minigrad(X, y, params, idxs, lr=LR):
    import minigrad as mg
    from minigrad import nn, optim

    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    mods = [model[0], model[1], model[4], model[5], model[9]]
    for m, key in zip(mods, ("c1", "bn1", "c2", "bn2", "fc")):
        m.weight.array[...], m.bias.array[...] = params[f"{key}.w"], params[f"{key}.b"]
    opt = optim.SGD(model.parameters(), lr=lr)
    Xt, yt = mg.tensor(X), mg.tensor(y)
    right = 0
    for idx in idxs:
        opt.zero_grad()
        logits = model(Xt[idx])
        nn.functional.cross_entropy(logits, yt[idx]).backward()
        opt.step()
        right += int((logits.argmax(dim=1) == yt[idx]).sum().item())
    return right / sum(len(i) for i in idxs), [p.detach().numpy() for p in model.parameters()]


def train_torch(X, y, params, idxs, lr=LR, torch=None):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    with torch.no_grad():
        for p, k in zip(model.parameters(), NAMES):
            p.copy_(torch.from_numpy(params[k]))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    right = 0
    for idx in idxs:
        ix = torch.from_numpy(idx)
        opt.zero_grad()
        logits = model(Xt[ix])
        nn.functional.cross_entropy(logits, yt[ix]).backward()
        opt.step()
        right += int((logits.argmax(1) == yt[ix]).sum())
    return right / sum(len(i) for i in idxs), [p.detach().numpy() for p in model.parameters()]


# ----------------------------------------------------------------------------- run
def run(quick=False, peers=True):
    X, y = load()
    params = make_params()
    trainers = {"floor": train_floor, "minigrad": train_minigrad}
    if _common.wants(peers, "torch") and (torch := _common.load_torch()) is not None:
        trainers["torch"] = lambda *a, **k: train_torch(*a, torch=torch, **k)
    one = batches(len(X), 1)[:1]
    _, want = train_floor(X, y, params, one, lr=1.0)
    checks = [c for name, fn in trainers.items() if name != "floor"
              for c in [_common.check_close(name, fn(X, y, params, one, lr=1.0)[1], want,
                                            rtol=1e-3, atol=1e-4)] if c != "ok"]
    epochs, repeats = (1, 1) if quick else (3, 5)
    idxs = batches(len(X), epochs)
    times, acc = {k: [] for k in trainers}, {}
    names = list(trainers)
    for r in range(repeats):  # interleaved, in a rotating order
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.perf_counter()
            acc[name] = trainers[name](X, y, params, idxs)[0]
            times[name].append((time.perf_counter() - t0) / epochs)
    for name in trainers:
        if abs(acc[name] - acc["floor"]) > 0.01:
            checks.append(f"{name}: training accuracy {acc[name]:.3f} vs floor "
                          f"{acc['floor']:.3f}")
    t = {k: {"median": statistics.median(v), "min": min(v)} for k, v in times.items()}
    return _common.result("CNN", "digits CNN (2 conv+BN+pool, linear), one epoch, batch 32",
                          "s", 1, t, goal=None, check="; ".join(checks) or "ok",
                          note=f"training accuracy over {epochs} epochs: minigrad "
                               f"{acc['minigrad']:.3f}, floor {acc['floor']:.3f}")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
