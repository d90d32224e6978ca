"""More of PyTorch's Tensor spellings: ``repeat``, ``flip``, ``sum_to_size``, ``t``,
``contiguous``, and the conversions and constructors ``type``, ``int``, ``new_zeros``/
``new_ones``/``new_full``/``new_tensor``, ``uniform_``/``normal_`` (attached as methods by
:func:`attach`)."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from . import shape
from .registry import declare


@declare(None, methods=("repeat",))
def repeat(x, *sizes):
    """Tile ``x``: ``x.repeat(2, 3)`` repeats a (a, b) tensor into (2a, 3b), as PyTorch's
    ``repeat`` (NumPy's ``tile``). Made of reshape and broadcast, so the gradient is the sum
    over the copies."""
    sizes = shape._shape_arg(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} sizes {sizes} for a tensor of shape {x.shape}; "
                         "give at least one per dim")
    src = (1,) * (len(sizes) - x.ndim) + x.shape
    inter = tuple(v for s in src for v in (1, s))
    target = tuple(v for r, s in zip(sizes, src) for v in (r, s))
    y = shape.broadcast_to(shape.reshape(x, inter), target)
    return shape.reshape(y, tuple(r * s for r, s in zip(sizes, src)))


@declare(None, methods=("flip",))
def flip(x, dims):
    """Reverse the order of elements along ``dims`` (an int or a tuple)."""
    from .indexing import getitem

    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = {shape.wrap_dim("flip", d, x.ndim) for d in dims}
    if len(axes) != len(dims):
        raise RuntimeError(f"flip: dims {dims} name a dim more than once")
    if x.ndim == 0:
        return x
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(x.ndim)))


@declare(None, methods=("sum_to_size",))
def sum_to_size(x, *size):
    """Sum ``x`` down to ``size`` (PyTorch's ``Tensor.sum_to_size``, DeZero's ``sum_to``): the
    reverse of broadcasting, so ``size`` must broadcast to ``x.shape``. Made of ``sum``."""
    from .reduce import sum as sum_

    size = shape._shape_arg(size, "sum_to_size")
    lead = x.ndim - len(size)
    if lead < 0 or any(s not in (1, d) for s, d in zip(size, x.shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {size} is not expandable to the tensor's shape "
                           f"{x.shape}; give a size that broadcasts to it (each dim equal or 1)")
    dims = tuple(range(lead)) + tuple(lead + i for i, (s, d) in
                                      enumerate(zip(size, x.shape[lead:])) if s == 1 and d != 1)
    return shape.reshape(sum_(x, dims, True), size) if dims else x


def t(self):
    """Transpose a tensor of at most 2 dims (``torch.t``); 0-d and 1-d come back unchanged."""
    if self.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dims, got shape {self.shape}; use "
                         "transpose(dim0, dim1) or permute")
    return self if self.ndim < 2 else shape.transpose(self, 0, 1)


def contiguous(self):
    """``self`` (a NumPy/CuPy array needs no contiguous copy to be used; kept for PyTorch
    code)."""
    return self


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
               "int32": "IntTensor", "bool": "BoolTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "float16": "HalfTensor"}


def type_(self, dtype=None):
    """With no argument the type name (``'minigrad.FloatTensor'``, PyTorch's spelling); with a
    dtype, the tensor converted to it (``x.type(minigrad.float64)``)."""
    if dtype is None:
        return f"minigrad.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"
    if isinstance(dtype, str) and dtype.startswith(("torch.", "minigrad.")):
        names = {v: k for k, v in _TYPE_NAMES.items()}
        dtype = names.get(dtype.split(".")[-1], dtype.split(".")[-1])
    return self.to(dtype)


def _new(self, fn, size, dtype, device, requires_grad, **kw):
    from .. import creation

    return getattr(creation, fn)(*((size,) if size is not None else ()), **kw,
                                 dtype=dtype or self.dtype, device=device or self.device,
                                 requires_grad=requires_grad)


def attach() -> None:
    """The methods above, and the ``new_*`` constructors, on Tensor."""
    T: Any = Tensor  # (attached at run time; Any, so type checkers accept the assignments)
    T.t = t
    T.contiguous = contiguous
    T.type = type_
    T.int = lambda self: self.to(backend.int32)
    T.new_zeros = lambda self, *size, dtype=None, device=None, requires_grad=False: _new(
        self, "zeros", shape._shape_arg(size, "new_zeros"), dtype, device, requires_grad)
    T.new_ones = lambda self, *size, dtype=None, device=None, requires_grad=False: _new(
        self, "ones", shape._shape_arg(size, "new_ones"), dtype, device, requires_grad)
    T.new_empty = T.new_zeros
    T.new_full = lambda self, size, fill_value, dtype=None, device=None, requires_grad=False: _new(
        self, "full", tuple(size), dtype, device, requires_grad, fill_value=fill_value)
    T.new_tensor = lambda self, data, dtype=None, device=None, requires_grad=False: _new(
        self, "tensor", None, dtype, device, requires_grad, data=data)
    T.uniform_ = lambda self, a=0.0, b=1.0: self.copy_(_draw(self, "uniform", a, b))
    T.normal_ = lambda self, mean=0.0, std=1.0: self.copy_(_draw(self, "normal", mean, std))


def _draw(t, kind, p, q):
    host = getattr(backend.rng(), kind)(p, q, t.shape).astype(t.dtype)
    return Tensor(backend.from_numpy(host, t.device))
