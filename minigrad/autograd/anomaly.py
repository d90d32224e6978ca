"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN or Inf.

Off by default (it costs a finiteness check per op). Inside the block every recorded node also
remembers the line of *your* code that created it, so a NaN found during backward is reported
with the op, its input shapes and that line.
"""
from __future__ import annotations

import os
import sys
from types import FrameType

from .. import backend
from ..tensor import Tensor
from . import extend

_handles: list = []  # the checks, plugged into minigrad.autograd.extend while a block is open
_open = [0]  # how many detect_anomaly blocks are open (they nest)
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) turning NaN/Inf checks on for every op."""

    def __enter__(self):
        _open[0] += 1
        if not _handles:  # plug the checks in (one truth test per op while they are out)
            _handles.extend([extend.register(extend.on_apply, _on_apply),
                             extend.register(extend.on_backward, check_backward)])
        return self

    def __exit__(self, *exc):
        _open[0] -= 1
        while _handles and not _open[0]:
            _handles.pop().remove()
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper


def user_frame() -> str:
    """'file:line: code' of the innermost caller outside the minigrad package."""
    f: FrameType | None = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PKG_DIR):
        f = f.f_back
    if f is None:
        return "<unknown>"
    import linecache

    line = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno}: {line}"


def _bad(arr) -> bool:
    if not backend.is_floating(backend.dtype_of(arr)):
        return False
    xp = backend.namespace(arr)
    return not bool(xp.all(xp.isfinite(arr)))


def _shapes(values) -> str:
    return ", ".join(str(tuple(v.shape)) for v in values if hasattr(v, "shape"))


def check_forward(fn, args, results) -> None:
    for r in results:
        if _bad(r.array):
            raise FloatingPointError(
                f"detect_anomaly: {fn.__name__}.forward produced NaN or Inf "
                f"(input shapes {_shapes(args)}), called from {user_frame()}"
            )


def _on_apply(ctx, args, results) -> None:
    check_forward(ctx.fn, args, results)
    if ctx.parents is not None:
        ctx.origin = user_frame()


def check_backward(node, gout, grads) -> None:
    for g in grads:
        if g is not None and _bad(g.array if isinstance(g, Tensor) else g):  # (ndarray.array!)
            raise FloatingPointError(
                f"detect_anomaly: {node.name} returned NaN or Inf gradients "
                f"(input shapes {', '.join(str(s) for s in node.in_shapes if s is not None)}); "
                "the op was "
                f"called from {node.origin or '<unknown: enable detect_anomaly before forward>'}"
            )
