"""The one documented place where optional features plug into recording and the backward walk.

The core runs a list's callables only when the list is not empty, so a feature that is off costs
one truth test per op (forward) or per node (backward):

* :data:`on_apply` — ``f(ctx, args, outputs)`` after every op application, recorded or not
  (``ctx.parents`` is None when nothing was recorded). Anomaly mode checks outputs and keeps
  the user's line; ``override_gradient`` binds its rule to the new node.
* :data:`on_backward` — ``f(node, grad_outputs, grad_inputs)`` after each node's rule ran
  (anomaly mode's NaN check, :func:`minigrad.viz.trace_backward`).

Register with :func:`register`, which returns a handle whose ``remove()`` takes the callable out
again. Nothing else reaches into the engine: everything above it uses these lists or the public
API (``Function``, ``backward``, ``grad``, hooks).
"""
from __future__ import annotations

on_apply: list = []
on_backward: list = []


class Handle:
    """Returned by :func:`register`; ``remove()`` unregisters (once; a second call does nothing)."""

    def __init__(self, where: list, fn):
        self._where, self._fn = where, fn

    def remove(self) -> None:
        for i, f in enumerate(self._where):
            if f is self._fn:
                del self._where[i]
                return

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def register(where: list, fn) -> Handle:
    """Append ``fn`` to ``where`` (:data:`on_apply` or :data:`on_backward`)."""
    if where is not on_apply and where is not on_backward:
        raise ValueError("register: where must be extend.on_apply or extend.on_backward")
    where.append(fn)
    return Handle(where, fn)
