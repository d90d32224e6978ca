"""Small seeded toy data sets: two moons, Gaussian blobs, and a linear regression problem.

Each returns minigrad Tensors (features float32 unless ``dtype``; class labels int64) and draws
from ``np.random.default_rng(seed)`` (minigrad's global generator when ``seed`` is None).
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from .split import generator


def _tensor(arr, dtype, device):
    if dtype is not None:
        arr = arr.astype(backend.canonical_dtype(dtype))
    dev = backend.normalize_device(device) if device is not None else "cpu"
    return Tensor(backend.from_numpy(np.ascontiguousarray(arr), dev))


def _shuffled(rng, shuffle, *arrays):
    if not shuffle:
        return arrays
    perm = rng.permutation(len(arrays[0]))
    return tuple(a[perm] for a in arrays)


def make_moons(n_samples: int = 100, noise: float | None = None, seed=None, shuffle: bool = True,
               dtype=None, device=None):
    """Two interleaving half circles in 2-D: class 0 is the upper arc centred at (0, 0), class 1
    the lower arc centred at (1, 0.5); ``noise`` adds Gaussian noise of that std. Not linearly
    separable, so a network needs a hidden layer."""
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be at least 2, got {n_samples}")
    rng = generator(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    X, y = _shuffled(rng, shuffle, X, y)
    return _tensor(X, dtype or backend.default_float, device), _tensor(y, None, device)


def make_blobs(n_samples: int = 100, n_features: int = 2, centers=3, cluster_std: float = 1.0,
               center_box=(-10.0, 10.0), seed=None, shuffle: bool = True,
               return_centers: bool = False, dtype=None, device=None):
    """Isotropic Gaussian clusters: ``centers`` (a count, placed uniformly in ``center_box``, or
    an array of centre coordinates), each with standard deviation ``cluster_std``; the samples
    are shared out evenly. Returns ``(X, y)`` or ``(X, y, centers)``."""
    rng = generator(seed)
    if isinstance(centers, int):
        c = rng.uniform(center_box[0], center_box[1], (centers, n_features))
    else:
        c = backend.to_numpy(centers.array) if isinstance(centers, Tensor) else np.asarray(
            centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"make_blobs: centers must be a count or a (k, n_features) array, "
                             f"got shape {c.shape}")
        n_features = c.shape[1]
    k = len(c)
    counts = np.full(k, n_samples // k)
    counts[: n_samples % k] += 1
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    X = np.concatenate([rng.normal(c[i], stds[i], (counts[i], n_features)) for i in range(k)])
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X, y = _shuffled(rng, shuffle, X, y)
    out: tuple = (_tensor(X, dtype or backend.default_float, device), _tensor(y, None, device))
    if return_centers:
        out += (_tensor(c, dtype or backend.default_float, device),)
    return out


def make_regression(n_samples: int = 100, n_features: int = 2, n_informative: int | None = None,
                    n_targets: int = 1, bias: float = 0.0, noise: float = 0.0, coef: bool = False,
                    seed=None, dtype=None, device=None):
    """A linear regression problem ``y = X @ w + bias + noise * N(0, 1)`` with standard normal
    features. The first ``n_informative`` features (all by default, in random order) get
    weights from U(0, 100); the rest weigh 0. ``y`` has shape (n,) for one target, else
    (n, n_targets). Returns ``(X, y)`` or ``(X, y, w)``."""
    rng = generator(seed)
    n_inf = n_features if n_informative is None else min(n_informative, n_features)
    X = rng.standard_normal((n_samples, n_features))
    w = np.zeros((n_features, n_targets))
    w[:n_inf] = 100 * rng.uniform(size=(n_inf, n_targets))
    perm = rng.permutation(n_features)
    X, w = X[:, perm], w[perm]
    y = X @ w + bias
    if noise:
        y = y + rng.normal(0.0, noise, y.shape)
    if n_targets == 1:
        y, w = y[:, 0], w[:, 0]
    dt = dtype or backend.default_float
    out: tuple = (_tensor(X, dt, device), _tensor(y, dt, device))
    if coef:
        out += (_tensor(w, dt, device),)
    return out
