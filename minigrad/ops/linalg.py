"""Matrix products: ``matmul`` (1-D, 2-D, batched), ``trace``, ``outer``.

For C = A @ B the rules are dA = dC @ B^T and dB = A^T @ dC. With batch dimensions the products
broadcast; the node records the broadcast shapes and the engine sums the batch back.
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .operands import broadcast_shape
from .registry import declare
from .xp import xp_of


class MatMul(Op):
    """``a @ b`` following NumPy's matmul rules for 1-D operands and batches."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        _matmul_shapes(*args)

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad  # keep only what the wanted gradients use
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.ndims = (a.ndim, b.ndim)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        xp = xp_of(g)
        need = ctx.needs_input_grad
        a_nd, b_nd = ctx.ndims
        if a_nd >= 2 and b_nd >= 2:
            # BEGIN SOLUTION ex1_4
            ga = xp.matmul(g, xp.matrix_transpose(b)) if need[0] else None
            gb = xp.matmul(xp.matrix_transpose(a), g) if need[1] else None
            return ga, gb
            # END SOLUTION
        if a_nd == 1 and b_nd == 1:  # dot product: g is a scalar
            return (g * b if need[0] else None), (g * a if need[1] else None)
        if a_nd == 1:  # (k,) @ (..., k, m) -> (..., m)
            ga = xp.matmul(xp.unsqueeze(g, -2), xp.matrix_transpose(b))[..., 0, :] if need[
                0] else None
            gb = xp.unsqueeze(a, -1) * xp.unsqueeze(g, -2) if need[1] else None
            return ga, gb
        if b_nd == 1:  # (..., n, k) @ (k,) -> (..., n)
            ga = xp.unsqueeze(g, -1) * b if need[0] else None
            gb = xp.matmul(xp.matrix_transpose(a), xp.unsqueeze(g, -1))[..., 0] if need[
                1] else None
            return ga, gb


class Linear(Op):
    """``x @ W.T + b`` for a weight ``W`` of shape (out, in), as one op (PyTorch's ``addmm``).

    dx = g @ W,  dW = gᵀ x (summed over all batch dims),  db = g summed over the batch. One node
    instead of three (transpose, matmul, add), and dW comes out in W's own layout.
    """

    @staticmethod
    def forward(ctx, x, W, b=None):
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, W if need[0] else None)
        out = x @ xp_of(W).matrix_transpose(W)
        if b is not None:
            out += b  # (out is a new array: no second one for the sum)
        return out

    @staticmethod
    def backward(ctx, g):
        x, W = ctx.saved
        xp = xp_of(g)
        need = ctx.needs_input_grad
        gx = xp.matmul(g, W) if need[0] else None
        gW = None
        if need[1] and g.ndim == 2:  # (the common case: a batch of vectors)
            gW = xp.matmul(xp.matrix_transpose(g), x)
        elif need[1]:  # every batch dim folded into one
            n = math.prod(g.shape[:-1])  # (not -1: a size-0 dim leaves it undefined)
            g2 = xp.reshape(g, (n, g.shape[-1]))
            x2 = xp.reshape(x, (n, x.shape[-1]))
            gW = xp.matmul(xp.matrix_transpose(g2), x2)
        if len(need) == 2:  # called without a bias
            return gx, gW
        return gx, gW, (xp.sum(g, axis=tuple(range(g.ndim - 1))) if need[2] else None)


class Trace(Op):
    """Sum of the main diagonal of a 2-D tensor; the gradient is g times the identity."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.namespace(x)
        eye = backend.create(x, "eye", x.shape[0], x.shape[1], dtype=backend.dtype_of(x))
        ctx.save_for_backward(eye)
        return xp.sum(x * eye)

    @staticmethod
    def backward(ctx, g):
        (eye,) = ctx.saved
        return (g * eye,)


@declare(MatMul, methods=("__matmul__", "matmul"), rmethods=("__rmatmul__",))
def matmul(a, b):
    """Matrix product with NumPy's rules (``a @ b``)."""
    if type(a) is not Tensor or type(b) is not Tensor or a.array.dtype != b.array.dtype:
        a, b = _matmul_operands(a, b)
    return MatMul.apply(a, b)


def _matmul_operands(a, b):
    from .operands import check_operand, promote

    a, b = check_operand("matmul", a, b), check_operand("matmul", b, a)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be Tensors (a scalar has no matrix product; "
                        "use *)")
    return promote("matmul", a, b) if a.dtype != b.dtype else (a, b)


def _matmul_shapes(a, b) -> None:
    """Raise the error that explains why ``a @ b`` failed, if its shapes are the reason."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dim, got shapes {a.shape} and "
                         f"{b.shape}; use * for scalars")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if ka != kb:
        where_b = "dim -2" if b.ndim >= 2 else "dim 0"
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not line up: the last dim of the first "
            f"({ka}) must equal {where_b} of the second ({kb})"
        )
    if a.ndim > 2 or b.ndim > 2:
        ba, bb = a.shape[:-2], b.shape[:-2] if b.ndim >= 2 else ()
        try:
            broadcast_shape("matmul", ba, bb)
        except ValueError:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape}: the batch dims (all but the last two) "
                f"{ba} and {bb} cannot be broadcast together (aligned from the right, sizes must "
                "match or be 1); the matrix dims line up. Reshape or unsqueeze one operand."
            ) from None


@declare(Linear)
def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features)."""
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        bad, name = (x, "input") if not isinstance(x, Tensor) else (weight, "weight")
        raise TypeError(f"linear: {name} must be a Tensor, got {type(bad).__name__} (shape "
                        f"{getattr(bad, 'shape', '?')}); wrap it with minigrad.tensor(...)")
    xs, ws = x.array.shape, weight.array.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        if len(ws) != 2:
            raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got "
                             f"shape {weight.shape}")
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: "
            f"the input's last dim must equal in_features = {weight.shape[1]}")
    if bias is not None and tuple(bias.array.shape) != (ws[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    wdt = weight.array.dtype
    if x.array.dtype != wdt or (bias is not None and bias.array.dtype != wdt):
        from .operands import promote

        x, weight = promote("linear", x, weight)
        if bias is not None:
            weight, bias = promote("linear", weight, bias)
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


@declare(Trace, methods=("trace",))
def trace(x):
    """Sum of the diagonal of a 2-D tensor."""
    if x.ndim != 2:
        raise ValueError(f"trace: needs a 2-D tensor, got shape {x.shape}")
    return Trace.apply(x)


@declare(None, methods=("outer",))
def outer(a, b):
    """Outer product of two 1-D tensors: ``out[i, j] = a[i] * b[j]``."""
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: needs two 1-D tensors, got shapes {a.shape} and {b.shape}")
    from .arithmetic import mul
    from .shape import reshape

    return mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))
