"""Version guards for saved values: a backward that needs a value changed in place since its
forward saved it raises, naming the op, the shape and both versions.

Every in-place op (``add_``, ``x[i] = v``, ``+=``, optimizer steps) bumps the tensor's version
counter; views and ``detach()`` results share their base's counter, as in PyTorch. Only what an
op actually saved is guarded: ``y = x * 2`` saves the constant, so changing ``x`` afterwards
does not stop ``y.backward()``. (``record_node`` notes each saved value's version;
``check_versions`` there reads a saved Tensor's counter anew: an in-place op on a non-leaf
gives the tensor a new one.)
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor


def version_error(ctx, guard) -> RuntimeError:
    """The error for the saved value ``guard`` watches, ``(value, version when saved)`` (or for
    a node whose values were freed)."""
    if ctx.released:
        from .function import released_error

        return released_error(ctx)
    v, ver = guard
    now = v._vc[0]
    if type(v) is Tensor:
        shape: Any
        what, shape, base = "a tensor", v.shape, _base(v)
        if base is not None:
            shape = f"{shape} (a view of a tensor of shape {base.shape})"
    else:
        what, shape = "an output", tuple(v.array.shape)
    return RuntimeError(
        f"{ctx.name}: {what} of shape {shape} saved for backward was modified in place (it "
        f"is at version {now}; the op saved version {ver}). Compute the loss again after "
        "changing it, or change a clone (.clone()). An optimizer step changes its parameters "
        "in place: run every backward through a graph before opt.step() (or sum the losses "
        "first).")


def _base(v):
    """The leaf ``v`` is a view of (it shares ``v``'s version counter), for the message."""
    node = v.grad_fn
    for _ in range(64):
        if node is None:
            return None
        p = node.parents[0] if node.parents else None
        p = p[0] if type(p) is tuple else p
        if type(p) is Tensor:
            return p if p._vc is v._vc else None
        node = p
    return None
