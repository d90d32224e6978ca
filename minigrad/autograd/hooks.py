"""Hooks on a tensor's gradient: the user's ``register_hook`` functions, then the engine's own
"after" hooks, which see the final total: ``retain_grad`` and the capture of a ``grad()`` target.
"""
from __future__ import annotations

import weakref

from ..tensor import Tensor
from .accumulate import _accumulate_into


class RetainGrad:
    """``t.retain_grad()``: keep ``t``'s total gradient in ``t.grad`` (in ``backward()``, not in
    ``grad()``, as in PyTorch). Holds ``t`` weakly: the graph does not keep it alive."""

    def __init__(self, ref):
        self.ref = ref

    def __call__(self, g, sink):
        t = self.ref()
        if t is not None and sink.accumulates:
            _accumulate_into(t, g, isinstance(g, Tensor))


class CaptureHook:
    """The gradient of a non-leaf target of ``grad()`` or ``backward(inputs=...)``, handed to
    the sink of the pass that registered it (and ignored by any other pass)."""

    def __init__(self, tensor, sink):
        self.tensor, self.sink = tensor, sink

    def __call__(self, g, sink):
        if sink is self.sink:
            sink.store(self.tensor, g)


_AFTER = (RetainGrad, CaptureHook)


def retain_grad(self) -> None:
    """``Tensor.retain_grad()``: keep ``.grad`` for this non-leaf tensor after backward (leaves
    always keep it)."""
    if not self._rg:
        raise RuntimeError(f"can't retain_grad on a tensor that does not require grad (shape "
                           f"{self.shape}): it gets no gradient; make the leaf it is "
                           "computed from with requires_grad=True")
    if self.grad_fn is not None:
        hooks = self.grad_fn.hooks_for(self._out_index)
        if not any(type(h) is RetainGrad and h.ref() is self for h in hooks):
            hooks.append(RetainGrad(weakref.ref(self)))


def run_hooks(hooks, g, sink=None):
    """Call each user hook on the gradient in turn (a returned Tensor replaces it, same shape),
    then the after-hooks on the result."""
    graph = isinstance(g, Tensor)
    for h in list(hooks):
        if type(h) in _AFTER:
            continue
        res = h(g if graph else Tensor(g))
        if res is None:
            continue
        if not isinstance(res, Tensor):
            raise TypeError(f"hook {getattr(h, '__name__', h)!r} returned a "
                            f"{type(res).__name__}; a hook returns a Tensor or None")
        if tuple(res.shape) != tuple(g.shape):
            raise RuntimeError(f"hook {getattr(h, '__name__', h)!r} returned a gradient of shape "
                               f"{tuple(res.shape)} for a tensor of shape {tuple(g.shape)}; "
                               "a hook may change the values, not the shape")
        g = res if graph else res.array
    for h in list(hooks):
        if type(h) in _AFTER and sink is not None:
            h(g, sink)
    return g
