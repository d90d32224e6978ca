"""``minigrad.utils``: PyTorch's module path for the data utilities (``minigrad.utils.data``)."""
from . import data

__all__ = ["data"]
