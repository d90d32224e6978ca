"""Normalisation layers as one op each: ``batch_norm`` (batch statistics) and ``layer_norm``.

Both compute ``xhat = (x - mean) / sqrt(var + eps)`` over some axes (batch norm: every axis but
the channels, dim 1; layer norm: the last ``len(normalized_shape)`` axes), with the biased
variance, then ``y = xhat * weight + bias``. With ``gy = g * weight`` and n the count over
those axes the gradients are

    dx = (gy - mean(gy) - xhat * mean(gy * xhat)) / sqrt(var + eps)
    dweight = Σ g * xhat,  dbias = Σ g  (over the axes the weight is broadcast along).

The rule recomputes ``xhat`` from the saved x with ``xp_of(g)``, so under ``create_graph=True``
it is itself differentiated through x (gradgradcheck holds). Batch norm in eval mode uses the
running statistics, constants: it is an affine map of x, a few elementwise ops.
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .registry import declare
from .xp import xp_of


def _normalize(xp, x, axes, eps):
    mean = xp.sum(x, axis=axes, keepdims=True) / math.prod(x.shape[a] for a in axes)
    xc = x - mean
    var = xp.sum(xc * xc, axis=axes, keepdims=True) / math.prod(x.shape[a] for a in axes)
    return xc / xp.sqrt(var + eps), mean, var


def _norm_forward(ctx, x, w, b, axes, waxes, wview, eps):
    xp = backend.namespace(x)
    xhat, mean, var = _normalize(xp, x, axes, eps)
    out = xhat if w is None else xhat * xp.reshape(w, wview)
    if b is not None:
        out = out + xp.reshape(b, wview)
    ctx.save_for_backward(x, w)
    ctx.axes, ctx.waxes, ctx.wview, ctx.eps = axes, waxes, wview, eps
    return out, mean, var


def _norm_backward(ctx, g):
    x, w = ctx.saved
    xp = xp_of(g)
    need, axes = ctx.needs_input_grad, ctx.axes
    xhat, _, var = _normalize(xp, x, axes, ctx.eps)
    n = math.prod(x.shape[a] for a in axes)
    gx = gw = gb = None
    if need[0]:
        gy = g if w is None else g * xp.reshape(w, ctx.wview)
        mean_gy = xp.sum(gy, axis=axes, keepdims=True) / n
        mean_gyx = xp.sum(gy * xhat, axis=axes, keepdims=True) / n
        gx = (gy - mean_gy - xhat * mean_gyx) / xp.sqrt(var + ctx.eps)
    if len(need) > 1 and need[1]:
        gw = xp.reshape(xp.sum(g * xhat, axis=ctx.waxes), ctx.in_shapes[1])
    if len(need) > 2 and need[2]:
        gb = xp.reshape(xp.sum(g, axis=ctx.waxes), ctx.in_shapes[2])
    return gx, gw, gb, None


class BatchNorm(Op):
    """Normalise each channel (dim 1) over the batch and the spatial dims with the batch's own
    statistics; also returns the batch mean and biased variance (for the running stats)."""

    @staticmethod
    def forward(ctx, x, w, b, eps):
        axes = (0, *range(2, x.ndim))
        view = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        out, mean, var = _norm_forward(ctx, x, w, b, axes, axes, view, eps)
        xp = backend.namespace(x)
        mean, var = xp.reshape(mean, (-1,)), xp.reshape(var, (-1,))
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx, g, *_):
        return _norm_backward(ctx, g)


class LayerNorm(Op):
    """Normalise over the last ``len(normalized_shape)`` dims of each sample."""

    @staticmethod
    def forward(ctx, x, w, b, eps, k):
        axes = tuple(range(x.ndim - k, x.ndim))
        out, _, _ = _norm_forward(ctx, x, w, b, axes, tuple(range(x.ndim - k)), x.shape[-k:],
                                  eps)
        return out

    @staticmethod
    def backward(ctx, g):
        return (*_norm_backward(ctx, g), None)


# ----------------------------------------------------------------------------- public
def _check(fn, x, t, what, shape):
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: {what} must be a Tensor or None, got {type(t).__name__}")
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"{fn}: {what} must have shape {tuple(shape)} for input of shape "
                         f"{x.shape}, got {t.shape}")
    if t.dtype != x.dtype:
        raise TypeError(f"{fn}: input is {x.dtype} but {what} is {t.dtype}; convert one with "
                        ".to(dtype)")


@declare(BatchNorm)
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation with PyTorch's ``F.batch_norm`` signature, over dim 1 of an
    (N, C), (N, C, L) or (N, C, H, W) input. ``training``: normalise with the batch's
    statistics and, when running stats are given, update them in place as PyTorch does:
    ``running = (1 - momentum) * running + momentum * batch`` (the unbiased batch variance).
    Otherwise normalise with ``running_mean``/``running_var``."""
    fn = "batch_norm"
    if not isinstance(input, Tensor) or input.ndim < 2 or input.dtype.kind != "f":
        raise ValueError(f"{fn}: input must be a floating Tensor of shape (N, C, ...), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    c = input.shape[1]
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        _check(fn, input, t, what, (c,))
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{fn}: pass both running_mean and running_var, or neither")
    if not training:
        if running_mean is None:
            raise ValueError(f"{fn}: training=False normalises with the running statistics, "
                             "but running_mean/running_var are None; pass them or training=True")
        view = (1, c) + (1,) * (input.ndim - 2)
        out = (input - running_mean.reshape(view)) / (running_var.reshape(view) + eps).sqrt()
        if weight is not None:
            out = out * weight.reshape(view)
        return out if bias is None else out + bias.reshape(view)
    n = input.numel() // c if c else 0
    if n <= 1:
        raise ValueError(f"{fn}: expected more than 1 value per channel when training, got "
                         f"input of shape {input.shape}")
    out, mean, var = BatchNorm.apply(input, weight, bias, eps)
    if running_mean is not None:
        with no_grad():
            m = float(momentum)
            running_mean.copy_(running_mean * (1 - m) + mean * m)
            running_var.copy_(running_var * (1 - m) + var * (m * n / (n - 1)))
    return out


@declare(LayerNorm)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims to mean 0 and (biased) variance
    1, then ``* weight + bias`` (both of ``normalized_shape``), as PyTorch's ``F.layer_norm``."""
    fn = "layer_norm"
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be a floating Tensor, got {type(input).__name__}")
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{fn}: input of shape {input.shape} does not end with "
                         f"normalized_shape {shape}")
    _check(fn, input, weight, "weight", shape)
    _check(fn, input, bias, "bias", shape)
    return LayerNorm.apply(input, weight, bias, eps, k)
