"""``xp_of(g)``: the functions a backward rule computes with, chosen by what it is given.

A built-in rule is written once. In an ordinary backward pass it gets arrays and computes with
the array library (:class:`minigrad.backend.RawNamespace`: NumPy, CuPy or the strict stand-in);
under ``create_graph=True`` it gets Tensors and computes with minigrad's own functions, which
record, so the gradient can be differentiated again. Both offer the same names.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor

graph_namespace: Any = None  # minigrad's functions by name; set once by minigrad.ops (its __init__)


def xp_of(g):
    """minigrad's functions for a Tensor, the array library's (same names) for an array."""
    return graph_namespace if type(g) is Tensor else backend.raw_namespace(g)
