"""Module state: ``state_dict``/``load_state_dict`` and in-place moves between devices/dtypes.

Kept apart from ``module.py`` so that file reads as the registry it is. Loading is two-phase:
check everything, then write; so a bad checkpoint never leaves a model half loaded.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping

from .. import backend
from ..tensor import Tensor


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` skipped."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def zeros_like_tensor(t: Tensor) -> Tensor:
    xp = backend.namespace(t.array)
    return Tensor(xp.zeros_like(t.array))


def write_in_place(t: Tensor, arr) -> None:
    """Overwrite ``t``'s values with ``arr`` (same shape, device and dtype), keeping the array
    object when it is writable, so that views and detached aliases of ``t`` see the change."""
    try:
        t.array[...] = arr
    except (ValueError, TypeError):  # a read-only view (e.g. from broadcast_to): replace it
        t.array = backend.copy(arr)
    t._version += 1


def parse_to_args(args, dtype, device):
    """``to("cuda")``, ``to(minigrad.float64)``, ``to(tensor)`` or keywords -> (dtype, device)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, str) and (a in ("cpu", "cuda", "strict") or a.startswith("cuda:")):
            device = a
        else:
            dtype = a
    if dtype is not None:
        dtype = backend.canonical_dtype(dtype)
        if not backend.is_floating(dtype):
            raise TypeError(f"Module.to only casts to floating-point dtypes, got {dtype}; "
                            "integer parameters make no sense for gradient descent")
    if device is not None:
        device = backend.normalize_device(device)
    return dtype, device


def _convert(arr, dtype, device):
    if device is not None and backend.device_of(arr) != device:
        arr = backend.to_device(arr, device)
    if dtype is not None and backend.is_floating(backend.dtype_of(arr)) and \
            backend.dtype_of(arr) != dtype:
        xp = backend.namespace(arr)
        arr = xp.astype(arr, backend.native_dtype(xp, dtype))
    return arr


def convert_in_place(t: Tensor, dtype, device) -> None:
    """Give ``t`` a converted array (and convert its grad), keeping the Tensor object."""
    new = _convert(t.array, dtype, device)
    if new is t.array:
        return
    t.array = new
    t._version += 1
    if t._grad is not None:
        t._grad = Tensor(_convert(t._grad.array, dtype, device))


def state_dict(module, destination, prefix, keep_vars) -> dict:
    if destination is None:
        destination = {}
    for name, p in module._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent:
            destination[prefix + name] = b if keep_vars else b.detach()
    for name, m in module._modules.items():
        if m is not None:
            state_dict(m, destination, prefix + name + ".", keep_vars)
    return destination


def _raw(t: Tensor):
    """The array behind a Tensor (the one place to change if ``.array`` becomes a Tensor)."""
    return t.array


def _check_value(key, value, t: Tensor):
    """``(array, None, None)`` to load for ``key`` into ``t``, or ``(None, "shape" or "type",
    a sentence saying why it can't be loaded)``.

    Accepted as PyTorch's ``copy_`` would (shapes equal; floating parameters take any real
    floating or integer values, cast to their dtype), except what is surely not weights: a
    non-array, an array of strings, objects, complex numbers, and integer or bool tensors that
    would receive floats (or anything but bools)."""
    if isinstance(value, Tensor):
        arr = _raw(value)
    elif backend.is_array(value):
        arr = value
    else:
        return None, "type", (f"{key!r}: the checkpoint holds a {type(value).__name__}, "
                              f"expected a Tensor of shape {t.shape} ({t.dtype})")
    src = backend.dtype_of(arr)
    kind = src.kind
    dst = backend.canonical_dtype(t.dtype)
    if kind not in "biuf":
        what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}
        return None, "type", (f"{key!r}: the checkpoint holds "
                              f"{what.get(kind, 'non-numeric data')} (dtype {src}); the model "
                              f"has {t.shape} {t.dtype}")
    if tuple(arr.shape) != t.shape:
        return None, "shape", (f"{key}: the checkpoint has shape {tuple(arr.shape)}, the model "
                               f"has {t.shape} (dtypes: {src} in the checkpoint, {t.dtype} in "
                               "the model)")
    fits = {"f": "fiu", "i": "iu", "u": "iu", "b": "b"}[dst.kind]
    if kind not in fits:
        why = "floats would be truncated" if kind == "f" else "a different kind of number"
        return None, "type", (f"{key!r}: the checkpoint has dtype {src}, the model's "
                              f"{t.dtype} tensor can't hold it ({why}); convert the "
                              "checkpoint entry first if that is meant")
    return arr, None, None


def load_state_dict(module, sd, strict: bool):
    """``Module.load_state_dict``: check every key and value (type, dtype, shape), raise one
    error listing all problems (``TypeError`` when a value has the wrong type or dtype,
    ``RuntimeError`` otherwise), convert everything, and only then write in place."""
    if not isinstance(sd, Mapping):
        raise TypeError(f"load_state_dict: expected a dict of tensors, got {type(sd).__name__}")
    for name, m in module.named_modules():  # (nn.LazyLinear before its first call)
        lazy = getattr(m, "has_uninitialized_params", None)
        if lazy is not None and lazy() and any(k.startswith(name + "." if name else "")
                                               for k in sd):
            where = f"at {name!r}" if name else "(the module itself)"
            raise RuntimeError(f"load_state_dict: {type(m).__name__} {where} has not seen an "
                               "input yet, so the shapes of its parameters are unknown; call the "
                               "model once on an example input first (PyTorch takes the shapes "
                               "from the checkpoint; minigrad does not)")
    own = state_dict(module, None, "", keep_vars=True)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    values: dict = {}
    mismatched: list = []
    wrong: list = []
    for k, t in own.items():
        if k not in sd:
            continue
        arr, problem, why = _check_value(k, sd[k], t)
        if problem:
            (mismatched if problem == "shape" else wrong).append("    " + why)
            continue
        values[k] = arr
    problems = []
    if strict and missing:
        problems.append("  missing keys (in the model, not in the state_dict): "
                        + ", ".join(missing))
    if strict and unexpected:
        problems.append("  unexpected keys (in the state_dict, not in the model): "
                        + ", ".join(unexpected))
    if mismatched:
        problems.append("  shape mismatches:\n" + "\n".join(mismatched))
    if wrong:
        problems.append("  wrong types or dtypes:\n" + "\n".join(wrong))
    if problems:
        # A value of the wrong type or dtype is a TypeError, anything else a RuntimeError (as
        # in PyTorch); either way the message lists every problem and nothing is written.
        error = TypeError if wrong else RuntimeError
        raise error(f"Error(s) in loading state_dict for {type(module).__name__}:\n"
                    + "\n".join(problems) + "\nNothing was loaded. (strict=False skips "
                    "missing/unexpected keys, never values that don't fit.)")
    converted = {}  # convert everything first: a failure here still changes nothing
    for k, arr in values.items():
        t = own[k]
        new = _convert(arr, t.dtype, t.device)
        xp = backend.namespace(new)
        if backend.dtype_of(new) != backend.canonical_dtype(t.dtype):
            new = xp.astype(new, backend.native_dtype(xp, t.dtype))
        converted[k] = new
    for k, arr in converted.items():
        write_in_place(own[k], arr)
    return IncompatibleKeys(missing, unexpected)
