"""Gradient clipping, in place on ``.grad`` (call it between ``backward()`` and ``step()``)."""
from __future__ import annotations

import math

from ... import backend
from ...tensor import Tensor
from .._state import write_in_place


def _grads(parameters):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm (the norm of the concatenation of
    every ``.grad``) is at most ``max_norm``; returns that norm *before* clipping.

    The scale is ``min(1, max_norm / (norm + 1e-6))``, so the direction of the full gradient
    vector is kept (unlike clipping each value separately).
    """
    params = _grads(parameters)
    try:
        max_norm, norm_type = float(max_norm), float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"clip_grad_norm_: max_norm and norm_type must be numbers, got "
                        f"max_norm={max_norm!r}, norm_type={norm_type!r}; e.g. "
                        "clip_grad_norm_(model.parameters(), 1.0)") from None
    if not params:
        return Tensor(backend.host_full((), 0.0, backend.default_float))
    xp = backend.namespace(params[0].grad.array)
    if len({p.grad.device for p in params}) > 1:
        raise RuntimeError("clip_grad_norm_: gradients live on several devices "
                           f"({sorted({p.grad.device for p in params})}); move the model first")
    if math.isinf(norm_type):
        norms = [xp.max(xp.abs(p.grad.array)) for p in params]
        total = norms[0]
        for n in norms[1:]:
            total = xp.maximum(total, n)
    else:
        total = xp.sum(xp.stack([xp.astype(xp.sum(xp.abs(p.grad.array) ** norm_type),
                                           backend.native_dtype(xp, backend.float64))
                                 for p in params])) ** (1.0 / norm_type)
    total_f = float(total)
    if error_if_nonfinite and not math.isfinite(total_f):
        raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {total_f}; "
                           "a loss or gradient has overflowed (pass error_if_nonfinite=False to "
                           "clip anyway)")
    coef = min(1.0, max_norm / (total_f + 1e-6))
    if coef < 1.0:
        for p in params:
            write_in_place(p.grad, p.grad.array * coef)
    dt = params[0].grad.dtype
    return Tensor(xp.astype(xp.asarray(total), backend.native_dtype(xp, dt)))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``."""
    c = float(clip_value)
    for p in _grads(parameters):
        xp = backend.namespace(p.grad.array)
        write_in_place(p.grad, xp.clip(p.grad.array, -c, c))
