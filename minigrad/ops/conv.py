"""2-D convolution and transposed convolution, each one op over im2col (see ``unfold.py``).

``conv2d``: with ``cols = unfold(x)`` of shape (N, groups, Cin/g*kh*kw, L) and the weight as
(groups, Cout/g, Cin/g*kh*kw), the output is ``W @ cols`` (+ bias), one batched matrix product.
Backward: dx = fold(Wᵀ @ g), dW = Σ_batch g @ colsᵀ, db = Σ g over (N, H, W).

``conv_transpose2d`` is conv2d's adjoint with respect to its input: out = fold(Wᵀ @ x) (+ bias);
backward: dx = W @ unfold(g), dW = Σ_batch x @ unfold(g)ᵀ.

Both backward rules are written once with ``xp_of(g)`` plus ``unfold_any``/``fold_any`` (which
record ``Unfold``/``Fold`` when given Tensors), so ``create_graph=True`` differentiates them again.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..backend import windows as W
from ..tensor import Tensor
from .registry import declare
from .unfold import (
    Geometry,
    check_fits,
    check_input,
    col2im,
    fold_any,
    im2col,
    pair,
    unfold_any,
)
from .xp import xp_of


class Conv2d(Op):
    """Cross-correlation of (N, Cin, H, W) with a (Cout, Cin/groups, kh, kw) weight."""

    @staticmethod
    def forward(ctx, x, w, b, geo, groups):
        xp = backend.namespace(x)
        n, c, h, wd = x.shape
        co, cg, kh, kw = w.shape
        ho, wo = geo.blocks((h, wd))
        cols = xp.reshape(im2col(x, geo), (n, groups, cg * kh * kw, ho * wo))
        wg = xp.reshape(w, (groups, co // groups, cg * kh * kw))
        out = xp.reshape(xp.matmul(wg, cols), (n, co, ho, wo))
        if b is not None:
            out = out + xp.reshape(b, (1, co, 1, 1))
        need = ctx.needs_input_grad
        # cols speed up an ordinary backward; x is what create_graph differentiates through
        ctx.save_for_backward(x if need[1] else None, cols if need[1] else None,
                              w if need[0] else None)
        ctx.geo, ctx.groups, ctx.hw = geo, groups, (h, wd)
        return out

    @staticmethod
    def backward(ctx, g):
        x, cols, w = ctx.saved
        xp = xp_of(g)
        need, groups, geo = ctx.needs_input_grad, ctx.groups, ctx.geo
        n, co, ho, wo = g.shape
        gm = xp.reshape(g, (n, groups, co // groups, ho * wo))
        gx = gw = gb = None
        if need[0]:
            cg, kh, kw = ctx.in_shapes[1][1:]
            wg = xp.reshape(w, (groups, co // groups, cg * kh * kw))
            gcols = xp.reshape(xp.matmul(xp.matrix_transpose(wg), gm), (n, -1, ho * wo))
            gx = fold_any(gcols, ctx.hw, geo)
        if need[1]:
            if type(g) is Tensor:  # recorded, so the second derivative reaches x
                cols = xp.reshape(unfold_any(x, geo), (n, groups, -1, ho * wo))
            gw = xp.sum(xp.matmul(gm, xp.matrix_transpose(cols)), axis=0)
            gw = xp.reshape(gw, (co, x.shape[1] // groups, *geo.kernel))
        if len(need) > 2 and need[2]:
            gb = xp.sum(g, axis=(0, 2, 3))
        return gx, gw, gb, None, None


class ConvTranspose2d(Op):
    """The adjoint of conv2d in its input: (N, Cin, H, W) with a (Cin, Cout/groups, kh, kw)
    weight gives (N, Cout, Hout, Wout), Hout = (H-1)*stride - 2*padding + dilation*(kh-1)
    + output_padding + 1."""

    @staticmethod
    def forward(ctx, x, w, b, geo, groups, base_hw, extra):
        xp = backend.namespace(x)
        n, ci, h, wd = x.shape
        cog, kh, kw = w.shape[1:]
        xg = xp.reshape(x, (n, groups, ci // groups, h * wd))
        wg = xp.reshape(w, (groups, ci // groups, cog * kh * kw))
        cols = xp.reshape(xp.matmul(xp.matrix_transpose(wg), xg), (n, -1, h * wd))
        out = W.pad2d(col2im(cols, base_hw, geo), (0, extra[0], 0, extra[1]))
        if b is not None:
            out = out + xp.reshape(b, (1, -1, 1, 1))
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.geo, ctx.groups, ctx.base_hw, ctx.extra = geo, groups, base_hw, extra
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        xp = xp_of(g)
        need, groups, geo = ctx.needs_input_grad, ctx.groups, ctx.geo
        n = g.shape[0]
        (ci, cog, kh, kw), x_shape = ctx.in_shapes[1], ctx.in_shapes[0]
        gb = xp.sum(g, axis=(0, 2, 3)) if len(need) > 2 and need[2] else None
        if ctx.extra != (0, 0):  # the output_padding rows/columns no block reaches
            bh, bw = ctx.base_hw
            g = xp.getitem(g, (slice(None), slice(None), slice(0, bh), slice(0, bw)))
        gcols = unfold_any(g, geo)  # (N, Cout*kh*kw, H*W)
        length = gcols.shape[-1]
        gcols = xp.reshape(gcols, (n, groups, -1, length))
        gx = gw = None
        if need[0]:
            wg = xp.reshape(w, (groups, ci // groups, cog * kh * kw))
            gx = xp.reshape(xp.matmul(wg, gcols), x_shape)
        if need[1]:
            xg = xp.reshape(x, (n, groups, ci // groups, length))
            gw = xp.sum(xp.matmul(xg, xp.matrix_transpose(gcols)), axis=0)
            gw = xp.reshape(gw, ctx.in_shapes[1])
        return gx, gw, gb, None, None, None, None


# ----------------------------------------------------------------------------- public
def _check_weight(fn, x, weight, bias, groups, transposed):
    check_input(fn, weight, "weight", dims=(4,))
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    c = x.shape[-3]
    w_in = weight.shape[0] if transposed else weight.shape[1] * groups
    if c != w_in or c % groups:
        want = "weight.shape[0]" if transposed else "weight.shape[1] * groups"
        raise ValueError(
            f"{fn}: input of shape {x.shape} has {c} channels but weight of shape "
            f"{weight.shape} with groups={groups} expects {want} = {w_in} (in channels must "
            "also be divisible by groups)")
    if not transposed and weight.shape[0] % groups:
        raise ValueError(f"{fn}: out channels (weight.shape[0] = {weight.shape[0]}) must be "
                         f"divisible by groups={groups}")
    out_c = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None:
        check_input(fn, bias, "bias", dims=(1,))
        if bias.shape != (out_c,):
            raise ValueError(f"{fn}: bias must have shape ({out_c},), got {bias.shape}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{fn}: input is {x.dtype} but {what} is {t.dtype}; convert one "
                            "with .to(dtype) (minigrad, like PyTorch, does not mix them here)")


def _padding(fn, padding, kernel, dilation, stride):
    """(top, bottom, left, right) for an int, a pair, 'valid' or 'same' (stride 1 only; an odd
    total puts the extra row/column at the bottom/right, as PyTorch does)."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{fn}: padding='same' needs stride 1, got stride {stride}")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]
        return tuple(pads)
    if isinstance(padding, str):
        raise ValueError(f"{fn}: padding must be an int, a pair, 'valid' or 'same', got "
                         f"{padding!r}")
    ph, pw = pair(fn, "padding", padding, minimum=0)
    return (ph, ph, pw, pw)


def _unbatched(fn, x, run):
    check_input(fn, x, dims=(3, 4))
    if x.ndim == 3:
        out = run(x.reshape((1, *x.shape)))
        return out.reshape(out.shape[1:])
    return run(x)


@declare(Conv2d)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation with PyTorch's ``F.conv2d`` signature: input (N, Cin, H, W) or
    (Cin, H, W), weight (Cout, Cin/groups, kh, kw), bias (Cout,); padding an int, a pair,
    ``'valid'`` or ``'same'``."""

    def run(x):
        _check_weight("conv2d", x, weight, bias, groups, transposed=False)
        kernel = tuple(weight.shape[2:])
        st, dil = pair("conv2d", "stride", stride), pair("conv2d", "dilation", dilation)
        geo = Geometry(kernel, dil, _padding("conv2d", padding, kernel, dil, st), st)
        check_fits("conv2d", x.shape[2:], geo)
        return Conv2d.apply(x, weight, bias, geo, groups)

    return _unbatched("conv2d", input, run)


@declare(ConvTranspose2d)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution with PyTorch's ``F.conv_transpose2d`` signature (note the order:
    ``output_padding, groups, dilation``): input (N, Cin, H, W), weight (Cin, Cout/groups, kh,
    kw). The gradient of ``conv2d`` with respect to its input is this op."""

    def run(x):
        fn = "conv_transpose2d"
        _check_weight(fn, x, weight, bias, groups, transposed=True)
        kernel = tuple(weight.shape[2:])
        st, dil = pair(fn, "stride", stride), pair(fn, "dilation", dilation)
        ph, pw = pair(fn, "padding", padding, minimum=0)
        op = pair(fn, "output_padding", output_padding, minimum=0)
        if op[0] >= max(st[0], dil[0]) or op[1] >= max(st[1], dil[1]):
            raise ValueError(f"{fn}: output_padding {op} must be smaller than stride {st} or "
                             f"dilation {dil}")
        out_hw = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                       zip(x.shape[2:], st, (ph, pw), dil, kernel, op))
        if min(out_hw) < 1:
            raise ValueError(f"{fn}: the output would be {out_hw} for input {x.shape}; use "
                             "less padding")
        # Blocks reach padded rows 0 .. (H-1)*stride + dilation*(k-1): the output is rows
        # padding .. padding + out - 1 of that, with zeros past its end (output_padding).
        extra = (max(op[0] - ph, 0), max(op[1] - pw, 0))
        geo = Geometry(kernel, dil, (ph, max(ph - op[0], 0), pw, max(pw - op[1], 0)), st)
        base_hw = (out_hw[0] - extra[0], out_hw[1] - extra[1])
        return ConvTranspose2d.apply(x, weight, bias, geo, groups, base_hw, extra)

    return _unbatched("conv_transpose2d", input, run)
