"""More creation functions with PyTorch's signatures: ``linspace``, ``empty``, ``randint``,
``randperm``, ``normal``, ``from_numpy``. Random ones draw from minigrad's one seeded generator
(:func:`minigrad.manual_seed`)."""
from __future__ import annotations

from . import backend
from .creation import _dt, _filled, _int_arg, _make, _size_tuple, full
from .creation_errors import explain_size
from .ops.args import dtype_arg
from .tensor import Tensor


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (the default float
    dtype), as ``torch.linspace``."""
    if not hasattr(steps, "__index__"):
        raise TypeError(f"linspace: steps must be an int, got {steps!r} (of type "
                        f"{type(steps).__name__}); e.g. minigrad.linspace(0, 1, 5)")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    steps = int(steps)
    try:
        start, end = float(start), float(end)
    except (TypeError, ValueError):
        for name, v in (("start", start), ("end", end)):
            if backend.py_scalar(v) is None and not isinstance(v, Tensor):
                raise TypeError(f"linspace: {name} must be a number, got {v!r} (of type "
                                f"{type(v).__name__}); e.g. minigrad.linspace(0, 1, 5)") from None
        raise
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    dt = _dt(dtype, "linspace")
    # torch's formula: the first half counts up from start, the second half down from end
    vals = [start + i * step if i < steps // 2 else end - (steps - 1 - i) * step
            for i in range(steps)]
    return _make(backend.scalar_array(vals, dt).reshape(steps), device, requires_grad,
                 "linspace")


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of the given shape, as ``torch.empty``. minigrad fills it with zeros (PyTorch
    leaves the memory uninitialised: never rely on its values either way)."""
    return _filled("empty", size, 0, dtype, device, requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``: ``randint(10, (2, 3))`` or
    ``randint(3, 10, (2, 3))``, as ``torch.randint`` (int64 by default)."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: missing size, e.g. minigrad.randint(10, (2, 3))")
    if type(low) is not int or type(high) is not int:
        low = _int_arg("randint", "low", low, None)
        high = _int_arg("randint", "high", high, None)
    if high <= low:
        raise RuntimeError(f"randint: high ({high}) must be greater than low ({low})")
    dt = dtype_arg("randint", dtype) if dtype is not None else backend.int64
    try:
        host = backend.rng().integers(low, high, (size,) if isinstance(size, int) else
                                      tuple(size)).astype(dt)
    except (TypeError, ValueError):
        explain_size("randint", _size_tuple("randint", size))
        raise
    return _make(host, device, requires_grad, "randint")


def randperm(n, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default), as ``torch.randperm``."""
    dt = dtype_arg("randperm", dtype) if dtype is not None else backend.int64
    n = _int_arg("randperm", "n", n)
    return _make(backend.rng().permutation(n).astype(dt), device, requires_grad, "randperm")


def normal(mean, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Normal samples: ``normal(0.0, 1.0, size=(2, 3))`` with numbers, or elementwise ``mean``
    and ``std`` tensors (broadcast), as ``torch.normal``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean if isinstance(mean, Tensor) else full((), mean)
        s = std if isinstance(std, Tensor) else full((), std)
        ms = m * s  # (the broadcast shape and dtype)
        z = backend.rng().standard_normal(ms.shape).astype(ms.dtype)
        return (m + s * Tensor(backend.from_numpy(z, m.device))).detach()
    if size is None:
        raise TypeError("normal: with number mean and std, give size, e.g. "
                        "minigrad.normal(0.0, 1.0, size=(2, 3))")
    try:
        host = backend.rng().normal(mean, std, (size,) if isinstance(size, int) else
                                    tuple(size)).astype(_dt(dtype, "normal"))
    except (TypeError, ValueError):
        explain_size("normal", _size_tuple("normal", size))
        raise
    return _make(host, device, requires_grad, "normal")


def from_numpy(ndarray) -> Tensor:
    """A CPU tensor *sharing memory* with a NumPy array (its dtype kept), as
    ``torch.from_numpy``: writing to one changes the other."""
    if not (backend.is_array(ndarray) and backend.device_of(ndarray) == "cpu"):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(ndarray).__name__}; "
                        "for other data use minigrad.tensor(...)")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: dtype {ndarray.dtype} is not supported (bool, int, float)")
    return Tensor(ndarray)
