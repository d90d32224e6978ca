"""The one seam that knows which array library holds the numbers.

Everything in minigrad's core (autograd, ops, nn, optim, multitask) asks this module for array
functions instead of importing NumPy or CuPy itself. Three array libraries can sit behind a Tensor:

* ``"cpu"``: NumPy (always available);
* ``"cuda"``/``"cuda:N"``: CuPy, imported lazily the first time a GPU tensor is made;
* ``"strict"``: array-api-strict arrays on a non-default device. It is a CPU stand-in for a GPU
  library in the tests: it refuses NumPy calls and implicit host copies, so any op that silently
  relies on NumPy fails there exactly as it would fail on CuPy.

Ops call :func:`namespace` (the array library of an array) or use :class:`RawNamespace`, the
object a built-in op's backward rule receives as ``ctx.xp`` when no graph is being recorded.
"""

from __future__ import annotations

from .arrays import (
    _STRICT_DEVICE,
    arange_host,
    as_array,
    bool_,
    canonical_dtype,
    copy,
    cuda_is_available,
    cupy,
    default_dtype_for,
    default_float,
    device_of,
    dtype_of,
    float32,
    float64,
    from_dlpack,
    from_numpy,
    host_asarray,
    host_eye,
    host_full,
    host_xp,
    int32,
    int64,
    is_array,
    is_floating,
    may_share_memory,
    namespace,
    namespace_for,
    native_dtype,
    ndarray,
    normalize_device,
    np_result_type,
    py_scalar,
    scalar_array,
    strict,
    to_device,
    to_numpy,
)
from .indexing import create, getitem, scatter_add
from .random import manual_seed, rng
from .raw import RawNamespace, raw_namespace

__all__ = [
    "_STRICT_DEVICE",
    "arange_host",
    "as_array",
    "bool_",
    "canonical_dtype",
    "copy",
    "cuda_is_available",
    "cupy",
    "default_dtype_for",
    "default_float",
    "device_of",
    "dtype_of",
    "float32",
    "float64",
    "from_dlpack",
    "from_numpy",
    "host_asarray",
    "host_eye",
    "host_full",
    "host_xp",
    "int32",
    "int64",
    "is_array",
    "is_floating",
    "may_share_memory",
    "namespace",
    "namespace_for",
    "native_dtype",
    "ndarray",
    "normalize_device",
    "np_result_type",
    "py_scalar",
    "scalar_array",
    "strict",
    "to_device",
    "to_numpy",
    "create",
    "getitem",
    "scatter_add",
    "manual_seed",
    "rng",
    "RawNamespace",
    "raw_namespace",
]
