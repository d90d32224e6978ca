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
    xp = backend.namespace(t.data)
    return Tensor(xp.zeros_like(t.data))


def write_in_place(t: Tensor, arr) -> None:
    """Overwrite ``t``'s values with ``arr`` (same shape, device and dtype), keeping the array
    object when it is writable, so that views and detached aliases of ``t`` see the change."""
    try:
        t.data[...] = arr
    except (ValueError, TypeError):  # a read-only view (e.g. from broadcast_to): replace it
        t.data = backend.copy(arr)
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
    new = _convert(t.data, dtype, device)
    if new is t.data:
        return
    t.data = new
    t._version += 1
    if t._grad is not None:
        t._grad = Tensor(_convert(t._grad.data, dtype, device))


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


def _as_array(key, value):
    if isinstance(value, Tensor):
        return value.data
    if backend.is_array(value):
        return value
    raise TypeError(f"load_state_dict: the value for {key!r} is a {type(value).__name__}; "
                    "expected a Tensor (or an array)")


def load_state_dict(module, sd, strict: bool):
    if not isinstance(sd, Mapping):
        raise TypeError(f"load_state_dict: expected a dict of tensors, got {type(sd).__name__}")
    own = state_dict(module, None, "", keep_vars=True)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    values, mismatched = {}, []
    for k, t in own.items():
        if k not in sd:
            continue
        arr = _as_array(k, sd[k])
        if tuple(arr.shape) != t.shape:
            mismatched.append(f"    {k}: the checkpoint has shape {tuple(arr.shape)}, the model "
                              f"has {t.shape}")
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
    if problems:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n"
                           + "\n".join(problems) + "\nNothing was loaded. (strict=False skips "
                           "missing/unexpected keys, never wrong shapes.)")
    for k, arr in values.items():
        t = own[k]
        write_in_place(t, _convert(arr, t.dtype if backend.is_floating(t.dtype) else None,
                                   t.device))
    return IncompatibleKeys(missing, unexpected)
