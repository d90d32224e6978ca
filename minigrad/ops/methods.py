"""Tensor's methods and operators, attached as one-line sugar over the op functions
(DeZero's ``setup_variable`` idea: ``tensor.py`` never imports the ops)."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from . import activation, arithmetic, compare, indexing, linalg, reduce, shape, unary
from .convert import Cast, Clone, ToDevice

_DEVICE_NAMES = ("cpu", "cuda", "strict")


def cast(x, dtype):
    """Differentiable dtype conversion."""
    dtype = backend.canonical_dtype(dtype)
    if x.dtype == dtype:
        return x
    return Cast.apply(x, dtype)


def clone(x):
    """A copy of ``x`` with its own memory; differentiable (the gradient passes through)."""
    return Clone.apply(x)


def to_device(x, device):
    """Differentiable copy to ``device``."""
    device = backend.normalize_device(device)
    if x.device == device:
        return x
    return ToDevice.apply(x, device)


def _is_device(arg) -> bool:
    return isinstance(arg, str) and (arg in _DEVICE_NAMES or arg.startswith("cuda:"))


def to(self, *args, dtype=None, device=None):
    """``x.to(minigrad.float64)``, ``x.to("cuda")``, ``x.to(other)``, or keywords."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif _is_device(a):
            device = a
        else:
            dtype = a
    out = self
    if device is not None:
        out = to_device(out, device)
    if dtype is not None:
        out = cast(out, dtype)
    return out


def _r(fn):
    return lambda self, other: fn(other, self)


def attach() -> None:
    T = Tensor
    T.__add__, T.__radd__ = arithmetic.add, _r(arithmetic.add)
    T.__sub__, T.__rsub__ = arithmetic.sub, _r(arithmetic.sub)
    T.__mul__, T.__rmul__ = arithmetic.mul, _r(arithmetic.mul)
    T.__truediv__, T.__rtruediv__ = arithmetic.div, _r(arithmetic.div)
    T.__pow__, T.__rpow__ = arithmetic.pow, _r(arithmetic.pow)
    T.__neg__ = arithmetic.neg
    T.__pos__ = lambda self: self
    T.__matmul__, T.__rmatmul__ = linalg.matmul, _r(linalg.matmul)
    T.__getitem__ = indexing.getitem
    T.__eq__, T.__ne__ = compare.eq, compare.ne
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = compare.lt, compare.le, compare.gt, compare.ge
    T.__abs__ = unary.abs
    for name in ("exp", "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sigmoid", "relu",
                 "clip", "clamp", "sign", "round"):
        setattr(T, name, getattr(unary, name))
    for name in ("sum", "mean", "var", "max", "min", "argmax", "argmin", "logsumexp", "norm"):
        setattr(T, name, getattr(reduce, name))
    for name in ("reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "permute",
                 "expand", "broadcast_to"):
        setattr(T, name, getattr(shape, name))
    T.softmax, T.log_softmax = activation.softmax, activation.log_softmax
    T.matmul, T.trace = linalg.matmul, linalg.trace
    T.maximum, T.minimum = arithmetic.maximum, arithmetic.minimum
    T.neg = T.negative = arithmetic.neg
    T.reciprocal = arithmetic.reciprocal
    T.outer = linalg.outer
    T.where = lambda self, condition, other: compare.where(condition, self, other)
    T.eq, T.ne, T.lt, T.le, T.gt, T.ge = (compare.eq, compare.ne, compare.lt, compare.le,
                                          compare.gt, compare.ge)
    T.add, T.sub, T.mul, T.div, T.pow = (arithmetic.add, arithmetic.sub, arithmetic.mul,
                                         arithmetic.div, arithmetic.pow)
    T.T = property(_T)
    T.mT = property(shape.matrix_transpose)
    T.to = to
    T.float = lambda self: cast(self, backend.float32)
    T.double = lambda self: cast(self, backend.float64)
    T.long = lambda self: cast(self, backend.int64)
    T.bool = lambda self: cast(self, backend.bool_)
    T.cpu = lambda self: to_device(self, "cpu")
    T.cuda = lambda self, device=0: to_device(self, f"cuda:{device}" if isinstance(device, int)
                                              else device)
    T.any = lambda self: Tensor(backend.namespace(self.data).any(self.data))
    T.all = lambda self: Tensor(backend.namespace(self.data).all(self.data))
    T.clone = clone


def _T(self):
    """Transpose of a 2-D tensor (reverses the dims of any tensor, like NumPy's ``.T``)."""
    if self.ndim < 2:
        return self
    return shape.permute(self, tuple(reversed(range(self.ndim))))
