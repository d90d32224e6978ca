"""Turning the operands of a binary op into Tensors of agreeing dtypes, with clear errors.

The promotion rules are minigrad's own, applied before the array library sees anything, so that
NumPy, CuPy and the strict stand-in all agree:

* float tensor with a Python/NumPy scalar: the tensor's dtype is kept (float32 stays float32);
* float tensor with an int/bool tensor: the float dtype;
* int tensor with a Python float: the default float dtype (float32);
* float32 with float64 tensors: TypeError (convert one with ``.to(...)``), except that, as in
  PyTorch, a 0-d tensor meeting a dimensioned one of the same category (int/int, float/float)
  takes the dimensioned one's dtype, as a number would;
* a NumPy array is a constant operand, as a tensor of its own dtype (so float64 NumPy data meeting
  a float32 tensor raises as two tensors would); a 0-d array or NumPy scalar counts as a number.
  NumPy data is never moved to another device: on a CuPy (or strict) tensor it raises;
* other raw arrays (CuPy, array_api_strict) are not operands: wrap them with ``minigrad.tensor``.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .convert import Cast

_scalar = backend.py_scalar  # a Python number for a Python or NumPy scalar, else None


def _raw_array_error(op, x):
    return TypeError(
        f"{op}: raw arrays are not operands (got {type(x).__module__}.{type(x).__name__} of "
        f"shape {tuple(getattr(x, 'shape', ()))}); wrap it with minigrad.tensor(...) so its dtype "
        "and device are explicit"
    )


def _numpy_operand(op, x, like):
    """A NumPy array as a constant CPU Tensor (a copy), a 0-d one as a Python number."""
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{op}: a NumPy array of dtype {x.dtype} (shape {x.shape}) is not a "
                        "numeric operand; convert it to a bool, integer or float array first")
    dev = getattr(like, "device", "cpu")
    if dev != "cpu":
        raise RuntimeError(
            f"{op}: a NumPy array (shape {x.shape}, on the host) meets a tensor on {dev}; minigrad "
            f"does not move data behind your back. Make it a tensor there first: "
            f"minigrad.tensor(arr, device='{dev}')")
    if x.ndim == 0:
        return x.item()
    return Tensor(backend.copy(x))


def check_operand(op, x, like=None):
    """Return ``x`` as a Tensor or Python scalar, or raise a TypeError naming the op. A NumPy
    array becomes a constant Tensor; ``like`` (the other operand) must then be on the CPU."""
    if isinstance(x, Tensor):
        return x
    s = _scalar(x)
    if s is not None:
        return s
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        if backend.is_array(x) and backend.device_of(x) == "cpu":
            return _numpy_operand(op, x, like)
        raise _raw_array_error(op, x)
    raise TypeError(f"{op}: unsupported operand of type {type(x).__name__}; expected a Tensor or "
                    "a number")


def broadcast_shape(op, sa, sb):
    """NumPy's broadcasting rule, with an error that names the op and both shapes."""
    if sa == sb:
        return sa
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + sa
    pb = (1,) * (n - len(sb)) + sb
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ValueError(
                f"{op}: shapes {sa} and {sb} cannot be broadcast together: aligned from the "
                f"right, dimension {i - n} has size {x} vs {y} (sizes must match or be 1). "
                "Reshape or unsqueeze one operand."
            )
    return tuple(out)


def promote(op, a, b):
    """Operands of a binary op, converted by minigrad's promotion rules."""
    a, b, raw = check_operand(op, a, b), check_operand(op, b, a), (a, b)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a.dtype, b.dtype
        if da == db:
            return a, b
        fa, fb = da.kind == "f", db.kind == "f"
        if (a.ndim == 0) != (b.ndim == 0) and (fa and fb or da.kind in "iu" and db.kind in "iu"):
            # PyTorch's rule: a 0-d tensor of the same category counts as a number
            return (a, b.to(da)) if b.ndim == 0 else (a.to(db), b)
        if fa and fb:
            hint = "" if all(isinstance(r, Tensor) for r in raw) else (
                " (for the NumPy operand: arr.astype(numpy."
                f"{da.name if isinstance(raw[0], Tensor) else db.name}))")
            raise TypeError(
                f"{op}: operands have dtypes {da} and {db} (shapes {a.shape} and {b.shape}); "
                f"minigrad does not mix float precisions silently. Convert one, e.g. "
                f"x.to(minigrad.{da.name}) or y.to(minigrad.{db.name}){hint}"
            )
        if fa:
            return a, b.to(da)
        if fb:
            return a.to(db), b
        common = backend.np_result_type(da, db)
        return a.to(common), b.to(common)
    if ta:
        return promote_tensor_scalar(a, b), b
    if tb:
        return a, promote_tensor_scalar(b, a)
    t = Tensor(backend.scalar_array(a))
    return promote_tensor_scalar(t, b), b


def floating(x, op):
    """``x`` itself if it is a float tensor, else ``x`` in the default float dtype: functions like
    ``exp`` or true division of integers compute in float32 on every backend (like PyTorch).
    The check costs one attribute read for tensors that require grad (they are always float)."""
    return x if type(x) is Tensor and (x._rg or x.dtype.kind == "f") else _to_float(x, op)


def _to_float(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}; wrap numbers and "
                        "arrays with minigrad.tensor(...)")
    return x if x.dtype.kind == "f" else Cast.apply(x, backend.default_float)


def promote_tensor_scalar(t, s):
    """An int/bool tensor meeting a Python float becomes float32; bool meeting int becomes int64."""
    k = t.dtype.kind
    if k == "f":
        return t
    if isinstance(s, float):
        return t.to(backend.default_float)
    if k == "b" and not isinstance(s, bool):
        return t.to(backend.int64)
    return t


def clip_bound(name, b, x):
    """A bound of ``clip`` that is not a Python int/float, a Tensor or None (the slow path of
    ``clip``): a NumPy scalar or 0-d array as a Python number (so it leaves the dtype alone, as
    torch treats it), a numeric NumPy array as it is (a constant operand), anything else (a
    list, tuple or string, which NumPy would broadcast or refuse) TypeError."""
    if b is None or isinstance(b, Tensor):
        return b
    num = _scalar(b)
    if num is None and backend.is_array(b) and b.dtype.kind in "biuf":
        num = b.item() if b.ndim == 0 else b
    if num is None:
        raise TypeError(f"clip: {name} must be a number, a Tensor or None, got {b!r} (of type "
                        f"{type(b).__name__}) for a tensor of shape {x.shape} and dtype "
                        f"{x.dtype}; e.g. x.clip(min=0.0, max=1.0)")
    return num
