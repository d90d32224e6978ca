"""``minigrad.cuda``: is a GPU usable? (CuPy installed *and* a device visible.)"""
from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy imports and reports at least one CUDA device."""
    return backend.cuda_is_available()


def device_count() -> int:
    return backend.cupy().cuda.runtime.getDeviceCount() if is_available() else 0
