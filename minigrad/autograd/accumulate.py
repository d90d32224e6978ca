"""Where a backward pass delivers leaf gradients: into ``.grad`` (``backward()``) or into a
dictionary that ``grad()`` returns."""
from __future__ import annotations

import functools

from .. import backend
from ..tensor import Tensor


def _accumulate_into(t: Tensor, g, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``. The stored array is always a new one owned by ``t`` (never the
    incoming gradient itself, which may be shared with other tensors or be a broadcast view)."""
    # BEGIN SOLUTION ex2_2
    if t._grad is None and not create_graph and backend.dtype_of(g) == backend.dtype_of(t.array):
        t._grad = Tensor(backend.copy(g))  # the first gradient: an owned copy
    elif create_graph:  # a differentiable copy: same value, own C-contiguous array
        t._grad = g.clone() if t._grad is None else t._grad + g
    elif backend.dtype_of(g) != backend.dtype_of(t.array):
        raise TypeError(f"gradient dtype {backend.dtype_of(g)} does not match tensor dtype "
                        f"{t.dtype}")
    elif t._grad._rg or not _add_in_place(t._grad.array, g):  # a graph, or read-only
        t._grad = Tensor(backend.as_array(t._grad.array + g))
    # END SOLUTION


def _add_in_place(acc, g) -> bool:
    """``acc += g`` in the gradient's own array (references to ``.grad`` see the sum, as in
    PyTorch); False when the array cannot be written (e.g. a user-assigned broadcast view)."""
    try:
        acc += g
    except (ValueError, TypeError):
        return False
    return True


class Accumulate(functools.partial):
    """``backward()``: ``Accumulate(create_graph)(leaf, g)`` adds each leaf's total gradient
    into its ``.grad`` (it is :func:`_accumulate_into` with ``create_graph`` bound)."""

    accumulates = True

    def __new__(cls, create_graph: bool):
        return super().__new__(cls, _accumulate_into, create_graph=create_graph)

    def store(self, t, g):  # a non-leaf named in backward(inputs=...)
        self(t, g)


class AccumulateOnly:
    """``backward(inputs=...)``: as :class:`Accumulate`, into the named tensors only."""

    accumulates = True

    def __init__(self, create_graph: bool, only):
        self.create_graph, self.only = create_graph, {id(t) for t in only}

    def __call__(self, leaf, g):
        if id(leaf) in self.only:
            _accumulate_into(leaf, g, self.create_graph)

    def store(self, t, g):  # a non-leaf named in backward(inputs=...)
        _accumulate_into(t, g, self.create_graph)


SINKS = {False: Accumulate(False), True: Accumulate(True)}  # backward()'s, made once


class Capture:
    """``grad()``: keep the total gradient of each target, writing no ``.grad``."""

    accumulates = False

    def __init__(self, targets):
        self.leaf_ids = {id(t) for t in targets if t.grad_fn is None}
        self.got: dict = {}

    def __call__(self, leaf, g):
        if id(leaf) in self.leaf_ids:
            self.got[id(leaf)] = g

    def store(self, t, g):
        self.got[id(t)] = g
