"""``TensorDataset`` and ``DataLoader``: mini-batches of rows, optionally shuffled with a seed."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend, ops
from ..tensor import Tensor
from .split import generator, take


class TensorDataset:
    """Tensors with the same first dimension, indexed together: ``ds[i]`` is
    ``(X[i], y[i])``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        n = len(tensors[0])
        for k, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {k} is a {type(t).__name__}, not a "
                                "Tensor; wrap it with minigrad.tensor(...)")
            if len(t) != n:
                raise ValueError(f"TensorDataset: tensor 0 has {n} rows but tensor {k} has "
                                 f"{len(t)} (shapes {tensors[0].shape} and {t.shape})")
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def batch(self, idx) -> tuple:
        """Rows ``idx`` (a host int array) of every tensor: one gather per tensor."""
        return tuple(take(t, idx) for t in self.tensors)


def _collate(items):
    first = items[0]
    if isinstance(first, tuple):
        return tuple(_collate([it[k] for it in items]) for k in range(len(first)))
    if isinstance(first, Tensor):
        return ops.stack(items)
    return Tensor(backend.host_asarray([it for it in items]))


class DataLoader:
    """Iterate over a data set in mini-batches.

    ``dataset`` is a ``TensorDataset``, a tuple of Tensors (wrapped in one), a single Tensor, or
    any object with ``__len__`` and ``__getitem__`` (items are stacked). ``shuffle=True`` draws a
    new order every epoch: from ``np.random.default_rng(seed)`` (created once, so epoch k is the
    same in every run) or, with ``seed=None``, from minigrad's global generator.
    ``drop_last=True`` skips a final batch smaller than ``batch_size``.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed=None):
        if isinstance(dataset, (tuple, list)) and dataset and all(
                isinstance(t, Tensor) for t in dataset):
            dataset = TensorDataset(*dataset)
        self._single = isinstance(dataset, Tensor)
        if self._single:
            dataset = TensorDataset(dataset)
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or \
                batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must support len() and indexing (a Dataset, "
                            f"a Tensor or a list of samples), got {type(dataset).__name__}; "
                            "e.g. DataLoader(TensorDataset(x, y), batch_size=32)")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self._rng = None if seed is None else generator(seed)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = (self._rng or backend.rng()).permutation(n)
        else:
            order = np.arange(n)
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if isinstance(self.dataset, TensorDataset):
                batch = self.dataset.batch(idx)
                yield batch[0] if self._single else batch
            else:
                yield _collate([self.dataset[int(i)] for i in idx])
