"""Changing dtype or device: both differentiable, so ``.to(...)`` can sit inside a model."""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from .xp import xp_of


class Cast(Op):
    """Convert to another dtype; the gradient is converted back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = backend.dtype_of(x)
        xp = backend.namespace(x)
        return xp.astype(x, backend.native_dtype(xp, dtype))

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).cast(g, ctx.in_dtype), None


class Clone(Op):
    """A copy with its own (C-contiguous) memory; the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, x):
        return backend.copy(x)

    @staticmethod
    def backward(ctx, g):
        return (g,)


class ToDevice(Op):
    """Copy to another device; the gradient is copied back to the input's device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.in_device = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).to_device(g, ctx.in_device), None
