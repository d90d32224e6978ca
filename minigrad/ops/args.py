"""Checking dtype and device arguments, with errors that name the function and the fix, and
``minigrad.device`` (PyTorch's ``torch.device``: a string-like device name).

``backend.canonical_dtype`` and ``backend.normalize_device`` do the conversion; these wrap them so
that a bad argument (``x.to('gpu')``, ``zeros(2, dtype='float33')``) is reported by minigrad, not
by NumPy ("data type 'gpu' not understood").
"""
from __future__ import annotations

from .. import backend

_DTYPES = "minigrad.float32, float64, int32, int64 or bool_ (or their names, e.g. 'float32')"
_DEVICES = "'cpu', 'cuda', 'cuda:N' (or 'strict', the array-api-strict test stand-in)"


class device(str):  # noqa: N801 - PyTorch's spelling
    """A device name, as ``torch.device``: ``device('cuda')``, ``device('cuda', 1)``,
    ``device('cpu')``. It *is* a string (``device('cpu') == 'cpu'``), so it is accepted wherever
    a device string is; ``.type`` is the kind and ``.index`` the number (None when not given)."""

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device) and index is None:
            return type
        if index is not None and ":" in str(type):
            raise ValueError(f"device: {type!r} already has an index; pass device({type!r})")
        name = str(type) if index is None else f"{type}:{int(index)}"
        device_arg("device", name)  # raises for an unknown name
        return super().__new__(cls, name)

    @property
    def type(self) -> str:
        return self.split(":")[0]

    @property
    def index(self):
        return int(self.split(":")[1]) if ":" in self else None

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


def device_arg(fn, dev) -> str:
    """``dev`` as a canonical device name, or ValueError naming ``fn`` and the known devices."""
    try:
        return backend.normalize_device(dev)
    except ValueError:
        hint = " (minigrad calls a GPU 'cuda')" if str(dev).lower() in ("gpu", "mps") else ""
        raise ValueError(f"{fn}: unknown device {str(dev)!r}{hint}; use {_DEVICES}") from None


def dtype_arg(fn, dtype):
    """``dtype`` as a minigrad dtype, or TypeError naming ``fn`` and the known dtypes."""
    try:
        dt = backend.canonical_dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt.kind not in "biuf":
        raise TypeError(f"{fn}: {dtype!r} is not a dtype minigrad knows; use {_DTYPES}")
    return dt


def is_device_name(arg) -> bool:
    """True for a string naming a device (known or not: 'gpu' is a device, not a dtype)."""
    if isinstance(arg, device):
        return True
    if not isinstance(arg, str):
        return False
    try:
        backend.canonical_dtype(arg)
        return False
    except (TypeError, ValueError):
        return True
