"""``minigrad.data``: the bundled digits, seeded toy data sets, splitting and batching.

Host-side code (NumPy) that hands out minigrad Tensors.
"""
from .digits import load_digits
from .loader import DataLoader, TensorDataset
from .split import train_test_split
from .synthetic import make_blobs, make_moons, make_regression

__all__ = ["load_digits", "train_test_split", "make_moons", "make_blobs", "make_regression",
           "DataLoader", "TensorDataset"]
