"""Why a factory call failed: minigrad's messages for what NumPy refused.

These run on the failure path only (the factories hand their arguments to NumPy unchecked and
call one of these when NumPy raises), so the happy path pays nothing for them. Each raises the
exception type PyTorch raises for the same mistake, naming the factory and the fix, or returns
when it finds nothing to say (then NumPy's own error stands).
"""
from __future__ import annotations

from . import backend
from .tensor import Tensor


def _is_seq(d):
    return isinstance(d, (list, tuple)) or (backend.is_array(d) and d.ndim > 0)


def explain_nested(data) -> None:
    """Raise minigrad's error for nested data NumPy refused (the failure path only): where the
    lists stop being rectangular (ValueError, as torch), or the first element that is not a
    number (TypeError). Returns when neither explains the failure."""
    shape, d = [], data
    while _is_seq(d):
        shape.append(len(d))
        if not len(d):
            break
        d = d[0]

    def walk(d, where):
        dim = len(where)
        if dim < len(shape):
            if not _is_seq(d):
                got = f"the number {d!r}" if isinstance(d, (int, float)) else repr(d)
            elif len(d) != shape[dim]:
                got = str(len(d))
            else:
                for i, e in enumerate(d):
                    walk(e, where + [i])
                return
            raise ValueError(
                f"tensor: the nested lists are ragged: expected a sequence of length "
                f"{shape[dim]} at dim {dim} (got {got}) at index {where}; every row must have "
                "the same length (pad the short ones, or make one tensor per row)")
        if _is_seq(d):
            raise ValueError(
                f"tensor: the nested lists are ragged: expected a number at dim {dim} (got a "
                f"sequence of length {len(d)}) at index {where}; every row must have the same "
                "length (pad the short ones, or make one tensor per row)")
        if backend.py_scalar(d) is None and not (backend.is_array(d) and d.dtype.kind in "biuf"):
            raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                            f"data: {d!r} (of type {type(d).__name__}) at index {where} is not a "
                            "number; pass numbers, nested lists of numbers, or an array")

    walk(data, [])


def explain_size(fn, shape) -> None:
    """Raise minigrad's error for a size NumPy refused (the failure path only: the happy path
    hands ``shape`` to NumPy unchecked): TypeError for a non-int, RuntimeError for a negative
    size, as PyTorch. Returns when the size is fine (then NumPy's own error stands)."""
    for s in shape:
        if not hasattr(s, "__index__"):
            raise TypeError(f"{fn}: size must be ints, got {s!r} (of type {type(s).__name__}) in "
                            f"{shape}; e.g. minigrad.{fn}(2, 3) or minigrad.{fn}((2, 3))")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{fn}: Trying to create tensor with negative dimension {s}: size "
                               f"{shape}; every size must be >= 0")


def explain_arange(start, end, step) -> None:
    for name, v in (("start", start), ("end", end), ("step", step)):
        if backend.py_scalar(v) is None and not isinstance(v, Tensor):
            raise TypeError(f"arange: {name} must be a number, got {v!r} (of type "
                            f"{type(v).__name__}); e.g. minigrad.arange(0, 10, 2)")
    if step == 0:
        raise RuntimeError(f"arange: step must be nonzero, got {step}")
    raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign (start "
                       f"{start}, end {end}, step {step}); use a negative step to count down")
