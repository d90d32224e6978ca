"""``train_test_split``: a seeded (optionally stratified) split of samples into two sets."""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor


def generator(seed):
    """A NumPy generator: a fresh one for an int ``seed``, minigrad's global one for None."""
    if seed is None:
        return backend.rng()
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def host_array(x, name, fn):
    if isinstance(x, Tensor):
        return backend.to_numpy(x.array)
    if backend.is_array(x):
        return backend.to_numpy(x)
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    raise TypeError(f"{fn}: {name} must be a Tensor or an array, got {type(x).__name__}")


def take(x, idx):
    """Rows ``idx`` (host int array) of ``x``, as a Tensor on ``x``'s device."""
    if not isinstance(x, Tensor):
        return Tensor(backend.host_asarray(np.asarray(x)[idx]))
    rows = backend.from_numpy(idx, x.device)
    if x.requires_grad:  # keep the graph (rare for data, but possible)
        return x[Tensor(rows), ...]
    return Tensor(backend.namespace(x.array).take(x.array, rows, axis=0))


def _n_test(test_size, n):
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a float test_size must be in (0, 1), got "
                             f"{test_size}")
        k = math.ceil(test_size * n)
    else:
        k = int(test_size)
    if not 0 < k < n:
        raise ValueError(f"train_test_split: test_size={test_size} gives {k} test samples out of "
                         f"{n}; both sets must be non-empty")
    return k


def _stratified(labels, n_test, rng):
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"train_test_split: class {classes[counts.argmin()]!r} has only "
                         f"{counts.min()} sample; stratifying needs at least 2 per class")
    ideal = counts * n_test / len(labels)
    per_class = np.floor(ideal).astype(int)
    short = n_test - per_class.sum()
    # hand the remaining test slots to the classes with the largest fractional parts
    order = np.lexsort((rng.random(len(classes)), -(ideal - per_class)))
    per_class[order[:short]] += 1
    test, train = [], []
    for c, k in enumerate(per_class):
        members = rng.permutation(np.flatnonzero(inverse == c))
        test.append(members[:k])
        train.append(members[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(X, y=None, test_size=0.25, stratify=False, seed=None):
    """Split samples (rows) into training and test sets: ``X_train, X_test, y_train, y_test``
    (``X_train, X_test`` without ``y``).

    ``test_size`` is a fraction (the test set gets ``ceil(test_size * n)`` samples) or a count.
    ``stratify=True`` keeps each class's share of ``y`` the same in both sets (or pass an array
    of labels to stratify by). ``seed`` (an int) makes the split reproducible; None uses
    minigrad's global generator (``minigrad.manual_seed``).
    """
    n = len(X)
    if y is not None and len(y) != n:
        raise ValueError(f"train_test_split: X has {n} samples but y has {len(y)}")
    n_test = _n_test(test_size, n)
    rng = generator(seed)
    if stratify is not False and stratify is not None:
        if stratify is True:
            if y is None:
                raise ValueError("train_test_split: stratify=True needs the labels y")
            labels = host_array(y, "y", "train_test_split")
        else:
            labels = host_array(stratify, "stratify", "train_test_split")
        if len(labels) != n:
            raise ValueError(f"train_test_split: {len(labels)} stratification labels for {n} "
                             "samples")
        train, test = _stratified(labels.reshape(n, -1)[:, 0] if labels.ndim > 1 else labels,
                                  n_test, rng)
    else:
        perm = rng.permutation(n)
        test, train = perm[:n_test], perm[n_test:]
    out = [take(X, train), take(X, test)]
    if y is not None:
        out += [take(y, train), take(y, test)]
    return tuple(out)
