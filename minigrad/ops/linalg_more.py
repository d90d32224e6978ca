"""PyTorch's other matrix-product spellings, as composites of ``matmul`` / ``mul`` / ``sum`` /
``permute`` (their gradients come from those ops): ``mm``, ``mv``, ``dot``, ``bmm``, ``addmm``,
``einsum``; the triangles ``tril``/``triu``; and ``minigrad.linalg.norm``."""
from __future__ import annotations

from types import SimpleNamespace

from .. import backend
from ..tensor import Tensor
from . import arithmetic, compare, linalg, reduce, shape
from .registry import declare


def _dims(fn, x, n, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != n:
        raise ValueError(f"{fn}: {what} must be {n}-D, got shape {x.shape}")


@declare(None, methods=("mm",))
def mm(input, mat2):
    """Matrix product of two 2-D tensors (no broadcasting), as ``torch.mm``."""
    _dims("mm", input, 2, "input")
    _dims("mm", mat2, 2, "mat2")
    return linalg.matmul(input, mat2)


@declare(None, methods=("mv",))
def mv(input, vec):
    """Matrix (n, m) times vector (m,), as ``torch.mv``."""
    _dims("mv", input, 2, "input")
    _dims("mv", vec, 1, "vec")
    return linalg.matmul(input, vec)


@declare(None, methods=("dot",))
def dot(input, other):
    """Inner product of two 1-D tensors of equal length, as ``torch.dot``."""
    _dims("dot", input, 1, "input")
    _dims("dot", other, 1, "other")
    if input.shape != other.shape:
        raise ValueError(f"dot: the tensors have {input.shape[0]} and {other.shape[0]} elements; "
                         "they must be equal")
    return linalg.matmul(input, other)


@declare(None, methods=("bmm",))
def bmm(input, mat2):
    """Batched matrix product (b, n, m) @ (b, m, p), as ``torch.bmm`` (no broadcasting)."""
    _dims("bmm", input, 3, "input")
    _dims("bmm", mat2, 3, "mat2")
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: batch sizes differ, {input.shape} and {mat2.shape}")
    return linalg.matmul(input, mat2)


@declare(None, methods=("addmm",))
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``, as ``torch.addmm``."""
    prod = mm(mat1, mat2)
    prod = prod if alpha == 1 else arithmetic.mul(prod, alpha)
    if beta == 0:
        return prod
    return arithmetic.add(input if beta == 1 else arithmetic.mul(input, beta), prod)


@declare(None)
def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum("ij,jk->ik", a, b)`` (operands may also be one
    list). Each operand is permuted and unsqueezed onto one axis per letter, the operands are
    multiplied (broadcasting), and the letters not in the output are summed: simple and exactly
    differentiable, though it makes the full product (use ``matmul`` for big contractions)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(terms)} operands, got {len(operands)}")
    if "." in eq:
        raise ValueError("einsum: '...' is not supported; name every dim with a letter")
    sizes = {}
    for t, x in zip(terms, operands):
        if len(t) != x.ndim or len(set(t)) != len(t):
            raise ValueError(f"einsum: term {t!r} does not fit an operand of shape {x.shape} "
                             "(one distinct letter per dim; repeated letters, diagonals, are not "
                             "supported)")
        for c, n in zip(t, x.shape):
            if sizes.setdefault(c, n) != n and 1 not in (n, sizes[c]):
                raise ValueError(f"einsum: letter {c!r} has sizes {sizes[c]} and {n}")
            sizes[c] = max(sizes[c], n)
    if not arrow:
        out = "".join(sorted(c for c in sizes if sum(t.count(c) for t in terms) == 1))
    letters = list(out) + sorted(c for c in sizes if c not in out)
    prod = None
    for t, x in zip(terms, operands):
        x = shape.permute(x, tuple(sorted(range(len(t)), key=lambda i: letters.index(t[i]))))
        present = sorted(t, key=letters.index)
        x = shape.reshape(x, tuple(x.shape[present.index(c)] if c in t else 1 for c in letters))
        prod = x if prod is None else arithmetic.mul(prod, x)
    summed = tuple(range(len(out), len(letters)))
    if summed:
        prod = reduce.sum(prod, dim=summed)
    return prod


def _triangle(fn, x, diagonal, lower):
    if x.ndim < 2:
        raise ValueError(f"{fn}: needs a tensor of at least 2 dims, got shape {x.shape}")
    n, m = x.shape[-2:]
    xp = backend.namespace(x.array)
    rows = xp.reshape(backend.create(x.array, "arange", n), (n, 1))
    cols = xp.reshape(backend.create(x.array, "arange", m), (1, m))
    keep = Tensor(cols - rows <= diagonal if lower else cols - rows >= diagonal)
    zero = False if x.dtype == backend.bool_ else 0 if x.dtype.kind in "iu" else 0.0
    return compare.where(keep, x, zero)


@declare(None, methods=("tril",))
def tril(input, diagonal=0):
    """The lower triangle (elements on and below ``diagonal``) of the last two dims; the rest
    are 0. The gradient passes through the kept elements only."""
    return _triangle("tril", input, diagonal, True)


@declare(None, methods=("triu",))
def triu(input, diagonal=0):
    """The upper triangle (elements on and above ``diagonal``) of the last two dims."""
    return _triangle("triu", input, diagonal, False)


def _linalg_norm(x, ord=None, dim=None, keepdim=False):  # noqa: A002 - PyTorch's name
    """``torch.linalg.norm``: the 2-norm of the flattened tensor (ord None), or the vector
    norm of order ``ord`` (1, 2, inf) over ``dim``, or the Frobenius norm ('fro')."""
    if ord in (None, 2, "fro") and not (ord == 2 and isinstance(dim, tuple)):
        return reduce.norm(x, 2, dim=dim, keepdim=keepdim)
    if ord == 1:
        return reduce.norm(x, 1, dim=dim, keepdim=keepdim)
    if ord == float("inf"):
        from .elementwise_more import amax
        from .unary import abs as _abs

        return amax(_abs(x), dim=() if dim is None else dim, keepdim=keepdim)
    raise ValueError(f"linalg.norm: ord={ord!r} is not supported; use None/2/'fro', 1 or inf")


linalg_namespace = SimpleNamespace(norm=_linalg_norm, vector_norm=lambda x, ord=2, dim=None,
                                   keepdim=False: _linalg_norm(x, ord, dim, keepdim))
