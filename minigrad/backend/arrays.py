"""Arrays, devices and dtypes: which library holds an array, where, and as what type.

The only module of minigrad that imports CuPy (lazily, on first use)."""
from __future__ import annotations

import numpy as np

float32 = np.dtype("float32")


float64 = np.dtype("float64")


int32 = np.dtype("int32")


int64 = np.dtype("int64")


bool_ = np.dtype("bool")


default_float = float32


_cupy = None


_strict = None


_STRICT_DEVICE = "device1"


def cupy():
    """Import CuPy on first use (CPU machines never need it)."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp  # noqa: PLC0415 - the lazy import is the point
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "CUDA tensors need CuPy: install minigrad with the 'gpu' extra "
                "(pip install -e '.[gpu]'), choosing the cupy-cudaXXx wheel that matches your "
                "CUDA driver"
            ) from exc
        _cupy = cp
    return _cupy


def strict():
    """Import array-api-strict on first use (only the test stand-in needs it)."""
    global _strict
    if _strict is None:
        import array_api_strict as xs  # noqa: PLC0415

        _strict = xs
    return _strict


def cuda_is_available() -> bool:
    """True when CuPy imports *and* sees a GPU (importing cupy alone proves nothing)."""
    try:
        cp = cupy()
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means "no usable GPU"
        return False


def normalize_device(device) -> str:
    """Turn ``"cuda"``, ``"cuda:1"``, ``"cpu"``, ``"strict"`` into a canonical name."""
    name = str(device)
    if name == "cpu" or name == "strict":
        return name
    if name == "cuda":
        return "cuda:0"
    if name.startswith("cuda:") and name[5:].isdigit():
        return name
    raise ValueError(
        f"unknown device {device!r}: use 'cpu', 'cuda', 'cuda:N' (or 'strict', the "
        "array-api-strict test stand-in)"
    )


def device_of(arr) -> str:
    if type(arr) is np.ndarray:
        return "cpu"
    mod = type(arr).__module__
    if mod.startswith("cupy"):
        return f"cuda:{arr.device.id}"
    if mod.startswith("array_api_strict"):
        return "strict"
    if isinstance(arr, np.generic):
        return "cpu"
    raise TypeError(f"not an array minigrad knows: {type(arr).__name__}")


def namespace(arr):
    """The array library that owns ``arr`` (numpy, cupy or array_api_strict)."""
    if type(arr) is np.ndarray:
        return np
    mod = type(arr).__module__
    if mod.startswith("cupy"):
        return cupy()
    if mod.startswith("array_api_strict"):
        return strict()
    return np


def namespace_for(device: str):
    if device == "cpu":
        return np
    if device == "strict":
        return strict()
    return cupy()


def native_dtype(xp, dtype):
    """The library's own dtype object for a minigrad (NumPy) dtype."""
    if xp is np:
        return dtype
    if xp is _strict:
        return getattr(xp, "bool" if dtype == bool_ else dtype.name)
    return dtype  # CuPy uses NumPy dtypes


def dtype_of(arr) -> np.dtype:
    """The NumPy dtype describing ``arr`` (minigrad's canonical dtype objects)."""
    if type(arr) is np.ndarray:
        return arr.dtype
    dt = arr.dtype
    if isinstance(dt, np.dtype):
        return dt
    return np.dtype(str(dt).rsplit(".", 1)[-1])


def to_numpy(arr) -> np.ndarray:
    """A host NumPy copy-or-view of any backend array."""
    if type(arr) is np.ndarray:
        return arr
    mod = type(arr).__module__
    if mod.startswith("cupy"):
        return arr.get()
    if mod.startswith("array_api_strict"):
        xs = strict()
        return np.asarray(xs.asarray(arr, device=xs.Device("CPU_DEVICE")))
    return np.asarray(arr)


def from_numpy(host: np.ndarray, device: str):
    """Move a host array to ``device`` (always a copy off the host)."""
    if device == "cpu":
        return host
    if device == "strict":
        xs = strict()
        return xs.asarray(host, device=xs.Device(_STRICT_DEVICE), copy=True)
    cp = cupy()
    with cp.cuda.Device(int(device.split(":")[1])):
        return cp.asarray(host)


def to_device(arr, device: str):
    """``arr`` on ``device``: itself if it is there already, else a new array (never a view)."""
    src = device_of(arr)
    if src == device:
        return arr
    host = to_numpy(arr)
    if device == "cpu":  # (np.ascontiguousarray would turn 0-d into 1-d)
        return host if src.startswith("cuda") else np.array(host, copy=True, order="C")
    return from_numpy(host, device)


def copy(arr):
    """A new C-contiguous array with ``arr``'s values (never a view)."""
    if isinstance(arr, (np.ndarray, np.generic)):
        return np.array(arr, copy=True, order="C")
    xp = namespace(arr)
    if xp is _strict:
        return xp.asarray(arr, copy=True)
    return arr.copy()


ndarray = np.ndarray  # the type of CPU arrays (the engine checks for it on its fast path)


def may_share_memory(a, b) -> bool:
    """Whether two arrays of one library may overlap in memory (a cheap bounds check)."""
    if type(a) is np.ndarray:
        return np.may_share_memory(a, b)
    xp = namespace(a)
    if xp is _strict:
        return np.may_share_memory(a._array, b._array)
    return bool(xp.may_share_memory(a, b))


def as_array(x):
    """``x`` as an array: NumPy scalars (what NumPy returns for 0-d results) become 0-d arrays."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    return x


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def np_result_type(*dtypes):
    return np.result_type(*dtypes)


def default_dtype_for(value):
    """Python floats -> float32 (the default float), ints -> int64, bools -> bool."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return default_float


def py_scalar(x):
    """A Python number for a Python or NumPy scalar (``np.float64(2)`` -> ``2.0``), else None."""
    if type(x) in (bool, int, float):
        return x
    if isinstance(x, np.generic):
        return x.item() if x.dtype.kind in "biuf" else None
    if isinstance(x, float):  # subclasses
        return float(x)
    if isinstance(x, int):
        return int(x)
    return None


def scalar_array(value, dtype=None):
    return np.asarray(value, dtype=dtype or default_dtype_for(value))


def host_asarray(data, dtype=None):
    """Host array from Python data with minigrad's dtype inference (always a new array).
    NumPy arrays and scalars keep their dtype; Python floats become float32, ints int64."""
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype, copy=True)
    arr = np.array(data, dtype=dtype)
    if dtype is None:
        if arr.dtype.kind == "f" and arr.dtype != default_float:
            arr = arr.astype(default_float)
        elif arr.dtype.kind in "iu" and arr.dtype != int64:
            arr = arr.astype(int64)
    return arr


def arange_host(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtype)


def is_array(x) -> bool:
    """True for arrays of any backend minigrad knows."""
    if isinstance(x, np.ndarray):
        return True
    mod = type(x).__module__
    return mod.startswith("cupy") or mod.startswith("array_api_strict")


def canonical_dtype(dtype) -> np.dtype:
    """minigrad dtypes are NumPy dtype objects; accept names, NumPy types and library dtypes."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        return np.dtype("bool" if dtype == "bool_" else dtype)
    if type(dtype).__module__.startswith("array_api_strict"):
        return np.dtype(str(dtype).rsplit(".", 1)[-1])
    return np.dtype(dtype)


def host_full(shape, value, dtype):
    return np.full(shape, value, dtype=dtype)


def host_eye(n, m, dtype):
    return np.eye(n, m, dtype=dtype)


def from_dlpack(obj):
    """Import a DLPack-capable array: CPU ones through NumPy, CUDA ones through CuPy."""
    dev_type, _ = obj.__dlpack_device__()
    if dev_type == 1:  # kDLCPU
        return np.from_dlpack(obj)
    return cupy().from_dlpack(obj)


# The host array library, for small problems that are always solved on the CPU in float64
# (e.g. the m x m task-weighting problems in multitask) whatever the tensors' device.
host_xp = np
