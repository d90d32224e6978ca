"""``minigrad.utils.data``: ``DataLoader`` and ``TensorDataset`` under PyTorch's module path
(``torch.utils.data``); they live in :mod:`minigrad.data.loader`."""
from ..data.loader import DataLoader, TensorDataset

__all__ = ["DataLoader", "TensorDataset"]
