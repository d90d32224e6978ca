"""Indexing (``x[idx]``) and its adjoint, scatter-add (``index_add``).

The gradient of ``x[idx]`` puts the upstream gradient back where the elements came from; if an
index repeats, the element was used several times and its gradients add up (``np.add.at``).
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .registry import declare
from .shape import view_of
from .xp import xp_of


class GetItem(Op):
    """``x[index]`` with ints, slices, None, Ellipsis, bool masks and integer arrays."""

    @classmethod
    def explain_failure(cls, args) -> None:
        super().explain_failure(args)
        explain_index("indexing", args[0].shape, args[1])

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = tuple(x.shape), index
        return backend.getitem(x, index)

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).index_add(ctx.shape, ctx.index, g), None


class IndexAdd(Op):
    """``zeros(shape)`` with ``values`` added at ``index`` (repeats accumulate). Its backward is
    indexing again, so ``x[idx]`` has a second derivative."""

    @staticmethod
    def forward(ctx, shape, index, values):
        ctx.index = index
        return backend.scatter_add(shape, index, values, values.dtype)

    @staticmethod
    def backward(ctx, g):
        return None, None, xp_of(g).getitem(g, ctx.index)


def explain_index(op, shape, index) -> None:
    """Raise an IndexError naming the part of ``index`` (already converted: ints, slices, None,
    Ellipsis, arrays) that does not fit ``shape``: too many indices, or an int or integer array
    out of range for its dim. Called only after the backend refused the index."""
    parts = index if isinstance(index, tuple) else (index,)
    used = [p for p in parts if p is not None and p is not Ellipsis]
    width = sum(getattr(p, "ndim", 1) if getattr(p, "dtype", None) == backend.bool_ else 1
                for p in used)
    if width > len(shape):
        raise IndexError(f"{op}: too many indices for a tensor of shape {shape}: {width} given "
                         f"for {len(shape)} dims; give at most one index per dim (None adds a dim)")
    cut = next((i for i, p in enumerate(parts) if p is Ellipsis), len(parts))
    dim = 0
    for k, p in enumerate(parts):
        if k == cut:  # the parts after an Ellipsis count from the last dim
            dim = len(shape) - sum(1 for q in parts[k + 1:] if q is not None)
            continue
        if p is None:
            continue
        if isinstance(p, int) or (backend.is_array(p) and p.dtype.kind in "iu" and p.size):
            lo, hi = (p, p) if isinstance(p, int) else (int(p.min()), int(p.max()))
            n = shape[dim]
            bad = [v for v in (lo, hi) if not -n <= v < n]
            if bad:
                valid = f"valid indices are {-n}..{n - 1}" if n else "the dim is empty"
                raise IndexError(f"{op}: index {bad[0]} is out of range for dim {dim} of size "
                                 f"{n} (tensor of shape {shape}); {valid}")
        dim += getattr(p, "ndim", 1) if getattr(p, "dtype", None) == backend.bool_ else 1


def _convert_index(idx, x):
    """Index components as backend arrays on ``x``'s device (Tensors, lists, host arrays). An
    index of ints only gets a trailing Ellipsis, so that ``x[0]`` of a 1-d tensor is a 0-d view
    (as in PyTorch), not a copied NumPy scalar."""
    if isinstance(idx, tuple):
        idx = tuple(_convert_part(i, x) for i in idx)
        return idx + (Ellipsis,) if idx and all(type(i) is int for i in idx) else idx
    idx = _convert_part(idx, x)
    return (idx, Ellipsis) if type(idx) is int else idx


def _convert_part(i, x):
    if i is None or i is Ellipsis or isinstance(i, (int, slice)):
        return i
    if isinstance(i, Tensor):
        if i.device != x.device:
            raise RuntimeError(f"indexing: the index (shape {i.shape}) is on {i.device} but the "
                               f"tensor (shape {x.shape}) is on {x.device}; move the index "
                               f"with .to('{x.device}')")
        if i.dtype.kind == "f":
            raise TypeError(f"indexing: index tensors must be integer or bool, got {i.dtype}")
        return i.array
    if backend.is_array(i):
        if backend.device_of(i) != x.device:
            raise RuntimeError(f"indexing: the index array is on {backend.device_of(i)} but the "
                               f"tensor is on {x.device}; make it with minigrad.tensor(..., "
                               f"device='{x.device}')")
        return i
    if isinstance(i, (list, range)) or hasattr(i, "__array__"):
        host = backend.host_asarray(list(i) if isinstance(i, range) else i)
        if host.dtype.kind == "f":
            raise TypeError("indexing: index lists must hold ints or bools")
        return backend.from_numpy(host, x.device)
    if hasattr(i, "__index__"):
        return int(i)
    raise TypeError(f"indexing: unsupported index of type {type(i).__name__}")


def check_mask(index, x, op="indexing"):
    """A lone bool mask must have the shape of ``x``'s leading dims (NumPy's rule)."""
    if isinstance(index, Tensor) and index.dtype == backend.bool_ and (
            index.shape != x.shape[:index.ndim]):
        raise IndexError(f"{op}: a bool mask of shape {index.shape} does not fit a tensor of "
                         f"shape {x.shape}: it must have the shape of the leading dims, "
                         f"{x.shape[:index.ndim]}")


@declare(GetItem, methods=("__getitem__",))
def getitem(x, index):
    """``x[index]`` (also the method ``__getitem__``)."""
    check_mask(index, x)
    split = _ints_first(index)
    if split is not None:  # PyTorch's order: the ints select first, then the advanced index
        x = getitem(x, split[0])
        index = split[1]
    return view_of(GetItem.apply(x, _convert_index(index, x)), x)


def _is_int(p) -> bool:
    return isinstance(p, int) and not isinstance(p, bool) or (
        isinstance(p, Tensor) and p.ndim == 0 and p.dtype.kind in "iu")


def _is_advanced(p) -> bool:
    if isinstance(p, (list, range)) or backend.is_array(p):
        return True
    return isinstance(p, Tensor) and p.ndim > 0 and p.dtype.kind in "iu"


def _ints_first(index):
    """For ``x[0, :, [1, 2]]`` (ints and integer arrays in one index): ``(x_index, rest)`` to
    apply one after the other, so the result has PyTorch's shape, (3, 2) for x of shape
    (2, 3, 4), not NumPy's (2, 3) (NumPy counts the int as part of the advanced index and, the
    two being split by a slice, moves the broadcast dims to the front). None when nothing to
    split, or when a bool mask is involved (NumPy's rule then stands)."""
    if not isinstance(index, tuple) or not any(map(_is_int, index)) or not any(
            map(_is_advanced, index)):
        return None
    if any(isinstance(p, (Tensor, bool)) and getattr(p, "dtype", None) == backend.bool_ or
           isinstance(p, bool) for p in index):
        return None
    first = tuple(slice(None) if _is_advanced(p) else p for p in index)
    rest = tuple(p if _is_advanced(p) or p is Ellipsis else slice(None)
                 for p in index if not _is_int(p))
    return first, rest


@declare(IndexAdd)
def index_add(shape, index, values):
    """``zeros(shape)`` with ``values`` added at ``index``; repeated indices accumulate."""
    return IndexAdd.apply(tuple(shape), index, values)
