"""Ops that move elements around without changing them: reshape, permute, broadcast, cat."""
from __future__ import annotations

from .. import backend
from ..autograd.function import Op
from ..tensor import Tensor
from .registry import declare
from .xp import xp_of


class Reshape(Op):
    """Same elements, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = tuple(x.shape)
        return xp_of(x).reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return xp_of(g).reshape(g, ctx.shape), None


class Permute(Op):
    """Reorder the axes; the gradient goes through the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return xp_of(x).permute_dims(x, dims)

    @staticmethod
    def backward(ctx, g):
        inv = sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__)  # the inverse permutation
        return xp_of(g).permute_dims(g, tuple(inv)), None


class BroadcastTo(Op):
    """Repeat along size-1 (or new leading) axes. Its backward returns the gradient as it is:
    the node records the broadcast shape, so the engine sums it back to the input's shape."""

    @staticmethod
    def forward(ctx, x, shape):
        return backend.namespace(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Cat(Op):
    """Join tensors along ``dim``; each input gets back its slice of the gradient."""

    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return backend.namespace(xs[0]).concat(list(xs), axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        lead = (slice(None),) * ctx.dim
        for n, need in zip(ctx.sizes, ctx.needs_input_grad):
            out.append(g[lead + (slice(start, start + n), Ellipsis)] if need else None)
            start += n
        return tuple(out)


# ----------------------------------------------------------------------------- functions
def view_of(out, x):
    """``out`` shares ``x``'s version counter when it shares its memory (a view, as in PyTorch):
    an in-place change through either is seen by nodes that saved the other. A reshape that had
    to copy, or advanced indexing, makes new memory and keeps its own counter."""
    if backend.may_share_memory(out.array, x.array):
        out._vc = x._vc
        if out.grad_fn is not None:  # a recorded view: writing through it is refused (inplace)
            out._graph_view = True
    return out


def wrap_dim(op, dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-d tensor (a 0-d tensor takes 0 and -1), or
    IndexError as PyTorch raises it, naming the op."""
    n = max(ndim, 1)
    if not hasattr(dim, "__index__"):
        raise TypeError(f"{op}: dim must be an int, got {dim!r} (of type {type(dim).__name__}) "
                        f"for a tensor with {ndim} dims")
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, "
                         f"{n - 1}], but got {dim}) for a tensor with {ndim} dims")
    return dim % n


def _shape_arg(shape, op="reshape"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(hasattr(s, "__index__") for s in shape):
        bad = next(s for s in shape if not hasattr(s, "__index__"))
        raise TypeError(f"{op}: sizes must be ints, got {bad!r} (of type {type(bad).__name__}) "
                        f"in {shape}; e.g. x.{op}(2, 3) or x.{op}((2, 3))")
    return tuple(int(s) for s in shape)


@declare(Reshape, "view", methods=("reshape", "view"))
def reshape(x, *shape):
    """``x.reshape(2, 3)`` or ``reshape(x, (2, 3))``; one entry may be -1."""
    shape = _shape_arg(shape)
    n = x.numel()
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or n % known)) or (
            -1 not in shape and known != n):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({n} elements) "
                         f"into shape {shape}")
    return view_of(Reshape.apply(x, shape), x)


view = reshape


@declare(None, methods=("flatten",))
def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (all by default)."""
    s, e = wrap_dim("flatten", start_dim, x.ndim), wrap_dim("flatten", end_dim, x.ndim)
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (for a "
                         f"tensor of shape {x.shape}); flatten merges start_dim..end_dim")
    if x.ndim == 0:
        return reshape(x, (1,))
    n = 1
    for d in x.shape[s:e + 1]:
        n *= d
    return reshape(x, x.shape[:s] + (n,) + x.shape[e + 1:])


@declare(None, methods=("squeeze",))
def squeeze(x, dim=None):
    """Drop size-1 dims (only ``dim`` if given)."""
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {wrap_dim("squeeze", d, x.ndim) for d in dims}
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1)))


@declare(None, "expand_dims", methods=("unsqueeze",))
def unsqueeze(x, dim):
    """Insert a size-1 dim at ``dim``."""
    nd = x.ndim + 1
    if not hasattr(dim, "__index__"):
        raise TypeError(f"unsqueeze: dim must be an int, got {dim!r} (tensor of shape {x.shape})")
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor with {x.ndim} dims")
    d = dim % nd
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


expand_dims = unsqueeze


@declare(Permute, methods=("permute",))
def permute(x, *dims):
    """Reorder the axes: ``x.permute(2, 0, 1)``."""
    dims = _shape_arg(dims, "permute")
    if len(dims) != x.ndim:
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of a tensor "
                         f"of shape {x.shape} (it names {len(dims)} dims)")
    if sorted(wrap_dim("permute", d, x.ndim) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of a tensor "
                         f"of shape {x.shape}")
    return view_of(Permute.apply(x, tuple(d % x.ndim for d in dims)), x)


@declare(Permute)
def permute_dims(x, axes):
    """The array API's name for :func:`permute`."""
    return permute(x, tuple(axes))


@declare(Permute, methods=("transpose",))
def transpose(x, dim0, dim1):
    """Swap two axes."""
    dims = list(range(x.ndim))
    dim0, dim1 = wrap_dim("transpose", dim0, x.ndim), wrap_dim("transpose", dim1, x.ndim)
    if x.ndim == 0:
        return x
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return view_of(Permute.apply(x, tuple(dims)), x)


@declare(Permute)
def matrix_transpose(x):
    """Swap the last two axes (``x.mT``)."""
    if x.ndim < 2:
        raise ValueError(f"mT needs at least 2 dims, got shape {x.shape}")
    return transpose(x, -2, -1)


@declare(BroadcastTo, methods=("broadcast_to",))
def broadcast_to(x, shape):
    """Repeat ``x`` along new leading or size-1 dims to ``shape`` (NumPy's rule)."""
    shape = tuple(int(s) for s in shape)
    from .operands import broadcast_shape

    if broadcast_shape("broadcast_to", tuple(x.shape), shape) != shape:
        raise ValueError(f"broadcast_to: a tensor of shape {x.shape} cannot be broadcast to "
                         f"{shape}")
    return view_of(BroadcastTo.apply(x, shape), x)


@declare(BroadcastTo, methods=("expand",))
def expand(x, *sizes):
    """PyTorch's ``expand``: like broadcast_to, where -1 keeps a dim's size."""
    sizes = _shape_arg(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} for a tensor of shape {x.shape}; "
                         "give at least one size per dim")
    if -1 in sizes[:lead]:
        raise ValueError(f"expand: -1 is not allowed in a new, leading dim (sizes {sizes} for a "
                         f"tensor of shape {x.shape}); give the new dim's size")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, s in enumerate(shape):
        have = x.shape[i - lead] if i >= lead else 1
        if s != have and (have != 1 or s < 0):
            if s < 0:
                raise ValueError(f"expand: size {s} is not allowed (target sizes {sizes}, tensor "
                                 f"of shape {x.shape}); sizes must be >= 0, or -1 to keep a dim")
            raise ValueError(f"expand: the expanded size {s} must match the existing size {have} "
                             f"at non-singleton dim {i} (target sizes {sizes}, tensor of shape "
                             f"{x.shape}); only size-1 dims can be expanded (-1 keeps a dim)")
    return view_of(BroadcastTo.apply(x, shape), x)


def _tensor_list(op, tensors):
    """``tensors`` as a list, refusing a single Tensor and entries that are not arrays."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expects a sequence of tensors, got one Tensor of shape "
                        f"{tensors.shape}; write {op}([a, b], dim=...)")
    tensors = list(tensors)
    for k, t in enumerate(tensors):
        if not hasattr(t, "shape") or not hasattr(t, "ndim"):
            raise TypeError(f"{op}: expected Tensor as element {k}, got {type(t).__name__}; "
                            "wrap numbers with minigrad.tensor(...)")
    return tensors


@declare(Cat, "concat", "concatenate")
def cat(tensors, dim=0):
    """Concatenate along ``dim`` (alias ``concatenate``)."""
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    t0 = tensors[0]
    if t0.ndim == 0:
        raise ValueError("cat: zero-dimensional tensor 0 cannot be concatenated; use stack or "
                         "unsqueeze it first")
    d = wrap_dim("cat", dim, t0.ndim)
    for k, t in enumerate(tensors[1:], 1):
        if t.ndim != t0.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, t0.shape))
                                    if i != d):
            raise ValueError(f"cat: tensor {k} has shape {t.shape}, tensor 0 has {t0.shape}; "
                             f"all dims except {dim} must match")
        if t.dtype != t0.dtype:
            raise TypeError(f"cat: tensor {k} is {t.dtype} but tensor 0 is {t0.dtype}")
    return Cat.apply(*tensors, dim=d)


concatenate = cat
concat = cat


@declare(None)
def stack(tensors, dim=0):
    """Stack equally-shaped tensors along a new dim."""
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for k, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {k} has shape {t.shape}, tensor 0 has "
                             f"{tensors[0].shape}; stack needs equal shapes")
    d = wrap_dim("stack", dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, d) for t in tensors], dim=d)
