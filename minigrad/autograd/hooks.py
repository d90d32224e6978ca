"""Running the hooks registered with ``Tensor.register_hook`` on a gradient."""
from __future__ import annotations

from ..tensor import Tensor


def run_hooks(hooks, g, wrap, unwrap):
    """Call each hook on the gradient in turn; a returned Tensor replaces it (same shape)."""
    for h in list(hooks):
        res = h(wrap(g))
        if res is None:
            continue
        if not isinstance(res, Tensor):
            raise TypeError(f"hook {getattr(h, '__name__', h)!r} returned a "
                            f"{type(res).__name__}; a hook returns a Tensor or None")
        if tuple(res.shape) != tuple(g.shape):
            raise RuntimeError(f"hook {getattr(h, '__name__', h)!r} returned a gradient of shape "
                               f"{tuple(res.shape)} for a tensor of shape {tuple(g.shape)}; "
                               "a hook may change the values, not the shape")
        g = unwrap(res)
    return g
