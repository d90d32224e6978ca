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

import numpy as np

# ----------------------------------------------------------------------------- dtypes
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


# ----------------------------------------------------------------------------- devices
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
    xp = namespace(arr)
    if xp is np:
        return np.array(arr, copy=True, order="C")
    if xp is _strict:
        return xp.asarray(arr, copy=True)
    return arr.copy()


ndarray = np.ndarray  # the type of CPU arrays (the engine checks for it on its fast path)


def as_array(x):
    """``x`` as an array: NumPy scalars (what NumPy returns for 0-d results) become 0-d arrays."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    return x


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


# ----------------------------------------------------------------------------- randomness
_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed minigrad's one random generator (host NumPy; results are then moved to the device,
    so a seed means the same numbers on every backend)."""
    global _rng
    _rng = np.random.default_rng(seed)


def rng() -> np.random.Generator:
    return _rng


# ----------------------------------------------------------------------------- helpers
def scatter_add(shape, index, values, dtype):
    """``out = zeros(shape); out[index] += values`` with repeated indices accumulating.

    NumPy and CuPy spell this ``add.at`` (older CuPy ``cupyx.scatter_add``); the array API has no
    such function, so the strict stand-in goes through the host (it is only a test backend).
    """
    xp = namespace(values)
    if xp is np:
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, index, values)
        return out
    if xp is _strict:
        host_idx = _index_to_host(index)
        out = np.zeros(shape, dtype=dtype_of(values))  # `dtype` may be a strict dtype object
        np.add.at(out, host_idx, to_numpy(values))
        return from_numpy(out, "strict")
    with values.device:
        out = xp.zeros(shape, dtype=dtype)
    if hasattr(xp.add, "at"):  # CuPy >= 13 has ufunc.at; cupyx.scatter_add is deprecated
        xp.add.at(out, index, values)
    else:  # pragma: no cover - older CuPy
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(out, index, values)
    return out


def create(like, name, *args, dtype=None):
    """``xp.<name>(*args, dtype=...)`` (``zeros``, ``arange``, ``eye``, ...) made on the device of
    the array ``like`` (the array API's ``device=``; CuPy's current-device context)."""
    xp = namespace(like)
    if dtype is not None:
        dtype = native_dtype(xp, canonical_dtype(dtype))
    if xp is np:
        return getattr(np, name)(*args, dtype=dtype)
    if xp is _strict:
        return getattr(xp, name)(*args, dtype=dtype, device=like.device)
    with like.device:
        return getattr(xp, name)(*args, dtype=dtype)


def _is_basic(part) -> bool:
    return part is None or part is Ellipsis or isinstance(part, (int, slice))


def _in_bounds(parts, shape):
    """Basic index parts with every slice's start/stop clipped to its axis, as NumPy clips them
    (the array API leaves out-of-bounds slice ends unspecified)."""
    cut = parts.index(Ellipsis)
    after = sum(1 for p in parts[cut + 1:] if p is not None)  # axes used after the Ellipsis
    out, ax = [], 0
    for k, p in enumerate(parts):
        if k == cut:
            ax = len(shape) - after
        if p is None or p is Ellipsis:
            out.append(p)
            continue
        a, ax = ax, ax + 1
        if isinstance(p, slice):
            start, stop, step = p.indices(shape[a])
            if step > 0:
                p = slice(start, stop, step)
            else:  # backwards: start -1 selects nothing; stop -1 means "through element 0"
                p = slice(0, 0) if start < 0 else slice(start, stop if stop >= 0 else None, step)
        out.append(p)
    return tuple(out)


def getitem(x, index):
    """``x[index]`` with NumPy's indexing rules on every backend.

    NumPy and CuPy index natively. The array API promises less: a tuple must cover every axis
    (or hold an Ellipsis), a bool mask must be the whole index, integer arrays mix only with
    integers. So on the strict stand-in, basic indices get a trailing Ellipsis, a lone integer
    array becomes ``take``, and anything else is done on the host (it is only a test backend).
    """
    xp = namespace(x)
    if xp is not _strict:
        return x[index]
    parts = index if isinstance(index, tuple) else (index,)
    if all(_is_basic(p) for p in parts):
        if Ellipsis not in parts:
            parts = parts + (Ellipsis,)
        return x[_in_bounds(parts, tuple(x.shape))]
    if not isinstance(index, tuple) and is_array(index):
        if dtype_of(index) == bool_ and index.ndim == x.ndim:
            return x[index]
        if dtype_of(index).kind in "iu" and index.ndim == 1:
            return xp.take(x, index, axis=0)
    return from_numpy(np.ascontiguousarray(to_numpy(x)[_index_to_host(index)]), "strict")


def _index_to_host(index):
    if isinstance(index, tuple):
        return tuple(_index_to_host(i) for i in index)
    if hasattr(index, "shape") and not isinstance(index, np.ndarray):
        return to_numpy(index)
    return index


class RawNamespace:
    """What a built-in op's backward rule sees as ``ctx.xp`` when no graph is recorded.

    It offers the same function names as the ``minigrad`` namespace (which a rule sees when
    ``create_graph=True``), implemented directly on arrays. One source, two modes.
    """

    def __init__(self, xp):
        self.xp = xp

    def __getattr__(self, name):  # exp, log, cos, where, maximum, matmul, ... from the library
        value = getattr(self.xp, name)
        setattr(self, name, value)  # cached: the next lookup is a plain attribute read
        return value

    def mask(self, g, cond):
        """``g`` where ``cond`` holds, else 0 (a multiply by the bool mask where allowed)."""
        if self.xp is np or self.xp is _cupy:
            return g * cond
        return self.xp.where(cond, g, self.xp.zeros_like(g))

    def sum(self, x, axis=None, keepdims=False):
        return self.xp.sum(x, axis=axis, keepdims=keepdims)

    def permute_dims(self, x, axes):
        return self.xp.permute_dims(x, tuple(axes))

    def matrix_transpose(self, x):
        return self.xp.matrix_transpose(x)

    def unsqueeze(self, x, dim):
        return self.xp.expand_dims(x, axis=dim)

    def cast(self, x, dtype):
        return self.xp.astype(x, native_dtype(self.xp, dtype))

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=native_dtype(self.xp, dtype))

    def index_add(self, shape, index, values):
        return scatter_add(shape, index, values, values.dtype)

    def getitem(self, x, index):
        return getitem(x, index)

    def outer(self, a, b):
        return self.xp.reshape(a, (-1, 1)) * self.xp.reshape(b, (1, -1))


_raw_cache: dict = {}


def raw_namespace(arr) -> RawNamespace:
    xp = namespace(arr)
    ns = _raw_cache.get(xp)
    if ns is None:
        ns = _raw_cache[xp] = RawNamespace(xp)
    return ns


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


def _raw_to_device(self, x, device):
    return to_device(x, device)


RawNamespace.to_device = _raw_to_device


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
