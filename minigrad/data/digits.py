"""The 8x8 handwritten digits, shipped inside the package (``digits.npz``, about 45 KB).

Origin: the test set of the UCI "Optical Recognition of Handwritten Digits" data set
(E. Alpaydin and C. Kaynak, 1998;
https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits), licensed
CC BY 4.0, in the form scikit-learn distributes it (``sklearn/datasets/data/digits.csv.gz``):
1,797 images of 8x8 pixels with integer values 0..16 (counts of "on" pixels in 4x4 blocks of a
32x32 bitmap), and their labels 0..9. The file stores the same numbers as uint8 arrays
``images`` (1797, 8, 8) and ``target`` (1797,); nothing is downloaded at run time.
"""
from __future__ import annotations

from importlib import resources

import numpy as np

from .. import backend
from ..tensor import Tensor

N_SAMPLES = 1797


def _read():
    path = resources.files(__package__) / "digits.npz"
    with path.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        return npz["images"], npz["target"]


def load_digits(n_class: int = 10, *, images: bool = False, dtype=None, device=None):
    """``(X, y)``: pixels as float32 in 0..16, shape (n, 64) (or (n, 8, 8) with ``images=True``),
    and int64 labels. ``n_class`` keeps only the digits 0..n_class-1. Divide X by 16 to get
    values in [0, 1]."""
    if not 1 <= n_class <= 10:
        raise ValueError(f"load_digits: n_class must be between 1 and 10, got {n_class}")
    imgs, target = _read()
    keep = target < n_class
    imgs, target = imgs[keep], target[keep]
    X = imgs if images else imgs.reshape(len(imgs), 64)
    dt = backend.canonical_dtype(dtype) if dtype is not None else backend.default_float
    dev = backend.normalize_device(device) if device is not None else "cpu"
    return (Tensor(backend.from_numpy(X.astype(dt), dev)),
            Tensor(backend.from_numpy(target.astype(np.int64), dev)))
