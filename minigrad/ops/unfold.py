"""``unfold`` (im2col) and ``fold`` (col2im): the two linear maps the CNN family is built on.

``unfold(x, kernel_size, dilation, padding, stride)`` turns an (N, C, H, W) input into
(N, C*kh*kw, L) columns, one per sliding block (L blocks, row-major), with the channel-major
layout of PyTorch's ``F.unfold``. ``fold`` is its adjoint: it adds columns back into an
(N, C, H, W) output, overlapping blocks accumulating. So the backward of one is the other, and
both are exact adjoints of each other at every order (gradgradcheck holds for free).

The work is done by :mod:`minigrad.backend.windows`: a strided view of the padded input (NumPy
and CuPy), whose reshape is the one copy im2col makes; ``fold`` loops over the kh*kw kernel
positions only (never over pixels).
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..backend import windows as W
from ..tensor import Tensor
from .registry import declare


class Geometry:
    """Kernel, dilation, padding (top, bottom, left, right) and stride of a 2-D window op."""

    __slots__ = ("kernel", "dilation", "pads", "stride")

    def __init__(self, kernel, dilation, pads, stride):
        self.kernel, self.dilation, self.pads, self.stride = kernel, dilation, pads, stride

    def blocks(self, hw):
        """(Ho, Wo): how many blocks fit in an (H, W) input, padding included."""
        (kh, kw), (dh, dw), (sh, sw), (t, b, l, r) = (self.kernel, self.dilation, self.stride,
                                                      self.pads)
        return W.out_size(hw[0] + t + b, kh, dh, sh), W.out_size(hw[1] + l + r, kw, dw, sw)


def pair(fn, name, v, minimum=1):
    """An int or a pair of ints as a pair, each at least ``minimum`` (else a clear error)."""
    t = (v, v) if isinstance(v, int) else tuple(v)
    if len(t) != 2 or not all(isinstance(i, int) and not isinstance(i, bool) for i in t):
        raise TypeError(f"{fn}: {name} must be an int or a pair of ints, got {v!r}")
    if min(t) < minimum:
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {v!r}")
    return t


def geometry(fn, kernel_size, dilation, padding, stride) -> Geometry:
    ph, pw = pair(fn, "padding", padding, minimum=0)
    return Geometry(pair(fn, "kernel_size", kernel_size), pair(fn, "dilation", dilation),
                    (ph, ph, pw, pw), pair(fn, "stride", stride))


# ----------------------------------------------------------------------------- on arrays
def im2col(x, geo: Geometry):
    """(N, C, H, W) array -> (N, C*kh*kw, Ho*Wo) columns."""
    xp = backend.namespace(x)
    win = W.windows(W.pad2d(x, geo.pads), geo.kernel, geo.dilation, geo.stride)
    n, c, kh, kw, ho, wo = win.shape
    return xp.reshape(win, (n, c * kh * kw, ho * wo))


def col2im(cols, hw, geo: Geometry):
    """(N, C*kh*kw, Ho*Wo) columns -> (N, C, H, W), the adjoint of :func:`im2col`."""
    xp = backend.namespace(cols)
    (kh, kw), (t, b, l, r) = geo.kernel, geo.pads
    ho, wo = geo.blocks(hw)
    n, ck, _ = cols.shape
    win = xp.reshape(cols, (n, ck // (kh * kw), kh, kw, ho, wo))
    full = W.window_sum(win, (hw[0] + t + b, hw[1] + l + r), geo.dilation, geo.stride)
    return W.crop2d(full, geo.pads)


# ----------------------------------------------------------------------------- the ops
class Unfold(Op):
    """im2col. Linear in x: the gradient is ``fold`` of the incoming gradient."""

    @staticmethod
    def forward(ctx, x, geo):
        ctx.geo, ctx.hw = geo, tuple(x.shape[-2:])
        return im2col(x, geo)

    @staticmethod
    def backward(ctx, g):
        return fold_any(g, ctx.hw, ctx.geo), None


class Fold(Op):
    """col2im. Linear in the columns: the gradient is ``unfold`` of the incoming gradient."""

    @staticmethod
    def forward(ctx, cols, hw, geo):
        ctx.geo = geo
        return col2im(cols, hw, geo)

    @staticmethod
    def backward(ctx, g):
        return unfold_any(g, ctx.geo), None, None


def unfold_any(v, geo):
    """im2col of an array, or of a Tensor as a recorded op (inside a backward rule)."""
    return Unfold.apply(v, geo) if type(v) is Tensor else im2col(v, geo)


def fold_any(v, hw, geo):
    """col2im of an array, or of a Tensor as a recorded op (inside a backward rule)."""
    return Fold.apply(v, hw, geo) if type(v) is Tensor else col2im(v, hw, geo)


# ----------------------------------------------------------------------------- public
def check_input(fn, x, what="input", dims=(4,)):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {what} must be a Tensor, got {type(x).__name__}; wrap it with "
                        "minigrad.tensor(...)")
    if x.ndim not in dims:
        want = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(f"{fn}: {what} must be {want} ((N, C, H, W)"
                         f"{' or unbatched (C, H, W)' if 3 in dims else ''}), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {what} must be a floating tensor, got {x.dtype}; use .float()")


def check_fits(fn, hw, geo):
    (kh, kw), (dh, dw), (t, b, l, r) = geo.kernel, geo.dilation, geo.pads
    if hw[0] + t + b < dh * (kh - 1) + 1 or hw[1] + l + r < dw * (kw - 1) + 1:
        raise ValueError(
            f"{fn}: the (dilated) kernel {geo.kernel} (dilation {geo.dilation}) is larger than "
            f"the padded input ({hw[0] + t + b}, {hw[1] + l + r}); use a smaller kernel or more "
            "padding")


@declare(Unfold)
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks as columns, as PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C*kh*kw, L)
    (unbatched (C, H, W) -> (C*kh*kw, L)), L the number of blocks."""
    check_input("unfold", input, dims=(3, 4))
    geo = geometry("unfold", kernel_size, dilation, padding, stride)
    check_fits("unfold", input.shape[-2:], geo)
    if input.ndim == 3:
        out = Unfold.apply(input.reshape((1, *input.shape)), geo)
        return out.reshape(out.shape[1:])
    return Unfold.apply(input, geo)


@declare(Fold)
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Add columns back into an image, as PyTorch's ``F.fold`` (the adjoint of ``unfold``):
    ``(N, C*kh*kw, L) -> (N, C, *output_size)`` (unbatched ``(C*kh*kw, L) -> (C,
    *output_size)``)."""
    check_input("fold", input, dims=(2, 3))
    hw = pair("fold", "output_size", output_size)
    geo = geometry("fold", kernel_size, dilation, padding, stride)
    check_fits("fold", hw, geo)
    k = geo.kernel[0] * geo.kernel[1]
    ho, wo = geo.blocks(hw)
    ck, length = input.shape[-2:]
    if ck % k or length != ho * wo:
        raise ValueError(
            f"fold: input of shape {input.shape} does not fit: dim -2 ({ck}) must be C * "
            f"kernel area ({k}) and dim -1 ({length}) the number of blocks, {ho} x {wo} = "
            f"{ho * wo} for output_size {hw}, kernel {geo.kernel}, dilation {geo.dilation}, "
            f"padding {geo.pads[0], geo.pads[2]}, stride {geo.stride}")
    if input.ndim == 2:
        return Fold.apply(input.reshape((1, *input.shape)), hw, geo).reshape((-1, *hw))
    return Fold.apply(input, hw, geo)
