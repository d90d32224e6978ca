"""Tensor's methods and operators, attached as one-line sugar over the op functions
(DeZero's ``setup_variable`` idea: ``tensor.py`` never imports the ops)."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from . import activation, arithmetic, compare, indexing, linalg, reduce, registry, shape, unary  # noqa: F401 (each declares its ops)
from .args import _DTYPES, device_arg, dtype_arg, is_device_name
from .convert import Cast, Clone, ToDevice
from .registry import declare


@declare(Cast)
def cast(x, dtype):
    """Differentiable dtype conversion."""
    dtype = dtype_arg("cast", dtype)
    if x.dtype == dtype:
        return x
    return Cast.apply(x, dtype)


@declare(Clone, methods=("clone",))
def clone(x):
    """A copy of ``x`` with its own memory; differentiable (the gradient passes through)."""
    return Clone.apply(x)


@declare(ToDevice)
def to_device(x, device):
    """Differentiable copy to ``device``."""
    device = device_arg("to", device)
    if x.device == device:
        return x
    return ToDevice.apply(x, device)


def to(self, *args, dtype=None, device=None):
    """``x.to(minigrad.float64)``, ``x.to("cuda")``, ``x.to(other)``, or keywords."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif is_device_name(a):
            try:
                device = device_arg("to", a)
            except ValueError as err:
                raise ValueError(f"{err}; nor is it a dtype ({_DTYPES})") from None
        else:
            dtype = a
    out = self
    if device is not None:
        out = to_device(out, device_arg("to", device))
    if dtype is not None:
        out = cast(out, dtype_arg("to", dtype))
    return out


def attach() -> None:
    """Every declared op method and operator (see :mod:`.registry`), then the conversions."""
    registry.attach_methods(Tensor)
    T: Any = Tensor  # attributes are added here, so a type checker may not know them
    T.__pos__ = lambda self: self
    T.where = lambda self, condition, other: compare.where(condition, self, other)
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
    T.any = lambda self: Tensor(backend.namespace(self.array).any(self.array))
    T.all = lambda self: Tensor(backend.namespace(self.array).all(self.array))


def _T(self):
    """Transpose of a 2-D tensor (reverses the dims of any tensor, like NumPy's ``.T``)."""
    if self.ndim < 2:
        return self
    return shape.view_of(shape.Permute.apply(self, tuple(range(self.ndim))[::-1]), self)
