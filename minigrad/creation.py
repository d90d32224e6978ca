"""Making tensors: ``tensor`` (always copies), ``zeros``/``ones``/``full``/``arange``/``eye``,
random ``rand``/``randn`` from one seeded host generator, the ``*_like`` forms and DLPack; the
default device and float dtype (``set_default_device``, ``set_default_dtype``). More creation
functions (``linspace``, ``empty``, ``randint``, ``randperm``, ``normal``, ``from_numpy``) are in
:mod:`minigrad.creation_more`."""
from __future__ import annotations

from . import backend
from .creation_errors import explain_arange, explain_nested, explain_size
from .ops.args import device_arg, dtype_arg
from .tensor import Tensor

_default_device = ["cpu"]


def set_default_device(device) -> None:
    """Where creation functions put new tensors when no ``device`` is given (PyTorch's
    ``torch.set_default_device``; ``None`` means the CPU)."""
    _default_device[0] = "cpu" if device is None else device_arg("set_default_device", device)


def get_default_device() -> str:
    """The device set by :func:`set_default_device` (``'cpu'`` unless changed)."""
    return _default_device[0]


def set_default_dtype(dtype) -> None:
    """The float dtype of new float tensors (``tensor([1.0])``, ``zeros``, ``randn``, layers):
    ``minigrad.float32`` (the default) or ``minigrad.float64``, as ``torch.set_default_dtype``."""
    dt = dtype_arg("set_default_dtype", dtype)
    if dt.kind != "f" or dt.itemsize < 4:
        raise TypeError(f"set_default_dtype: needs minigrad.float32 or minigrad.float64, got {dt}")
    backend.default_float = dt
    backend.arrays.default_float = dt  # (the backend's own functions read it there)


def get_default_dtype():
    """The default float dtype (``minigrad.float32`` unless :func:`set_default_dtype` changed
    it), as ``torch.get_default_dtype``."""
    return backend.default_float


def _device(device, default=None, fn="tensor"):
    if device is not None:
        return device_arg(fn, device)
    return _default_device[0] if default is None else default


def _check_rg(requires_grad, dtype, fn):
    if requires_grad and not backend.is_floating(dtype):
        raise TypeError(f"{fn}: only floating-point tensors can require gradients, got dtype "
                        f"{dtype}; pass dtype=minigrad.float32 (or float64)")


def tensor(data, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A new tensor holding a copy of ``data``.

    With ``dtype=None``: Python floats give float32, ints int64, bools bool; an array keeps its
    dtype. ``device=None`` keeps a Tensor's or array's data where it is; other data goes to the
    default device (the CPU unless :func:`set_default_device` changed it).
    """
    dt = dtype_arg("tensor", dtype) if dtype is not None else None
    if isinstance(data, _PYTHON_DATA):  # numbers or nested lists: a new host array
        try:
            arr = backend.host_asarray(data, dt)
        except (ValueError, TypeError):
            explain_nested(_plain(data))  # (ragged lists, or a non-number with a dtype)
            raise
        if arr.dtype.kind not in "biuf":  # (Tensors inside the lists, or not numbers at all)
            arr = _host_from_nested(data, dt)
        return _new(arr if _device(device) == "cpu" else backend.to_device(arr, _device(device)),
                    requires_grad)
    if isinstance(data, Tensor):
        arr, src = data.array, data.device
    elif backend.is_array(data):
        arr, src = data, backend.device_of(data)
        if arr.dtype.kind not in "biufc":  # (np.asarray of Tensors gives dtype object)
            raise TypeError(f"tensor: cannot make a tensor from a NumPy array of dtype "
                            f"{arr.dtype} (shape {arr.shape}); only bool, int and float arrays "
                            "convert; for an array of tensors use minigrad.stack(list(...))")
    else:
        arr, src = _host_from_nested(data, dt), None  # (to the default device)
    dev = _device(device, src)
    src = src or "cpu"
    if src == dev:
        out = backend.copy(arr)
    else:
        out = backend.to_device(backend.to_numpy(arr), dev)
        if src == "cpu" and dev == "cpu":
            out = backend.copy(out)
    if dt is not None and backend.dtype_of(out) != dt:
        xp = backend.namespace(out)
        out = xp.astype(out, backend.native_dtype(xp, dt))
    return _new(out, requires_grad)


_PYTHON_DATA = (list, tuple, int, float, bool)


def _new(arr, requires_grad):
    if requires_grad and not backend.is_floating(backend.dtype_of(arr)):
        _check_rg(requires_grad, backend.dtype_of(arr), "tensor")
    return Tensor(arr, requires_grad=bool(requires_grad))


def _host_from_nested(data, dt):
    plain = _plain(data)
    try:
        arr = backend.host_asarray(plain, dt)
    except (ValueError, TypeError):
        explain_nested(plain)
        raise
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                        f"data (NumPy sees dtype {arr.dtype}); pass numbers, nested lists "
                        "of numbers, or an array")
    return arr


def _plain(data):
    """Nested lists/tuples with any Tensors in them replaced by their host values."""
    if isinstance(data, Tensor):
        return backend.to_numpy(data.array)
    if isinstance(data, (list, tuple)):
        return [_plain(d) for d in data]
    return data


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor` but returns ``data`` itself when it is already a matching Tensor."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype_arg("as_tensor", dtype)
                                     ) and (device is None or data.device ==
                                            device_arg("as_tensor", device)):
        return data
    try:
        return tensor(data, dtype=dtype, device=device)
    except (TypeError, ValueError) as err:  # (tensor's message, under the name called)
        if not str(err).startswith("tensor: "):
            raise
        raise type(err)("as_tensor: " + str(err)[len("tensor: "):]) from None


def _make(host, device, requires_grad, fn):
    t = Tensor(backend.from_numpy(host, _device(device, fn=fn)))
    _check_rg(requires_grad, t.dtype, fn)
    t._rg = bool(requires_grad)
    return t


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _size_tuple(fn, size):
    """The ``size`` argument of ``full``/``randint``/``normal`` (an int or a sequence), a tuple."""
    if isinstance(size, int):
        return (size,)
    try:
        return tuple(size)
    except TypeError:
        raise TypeError(f"{fn}: size must be an int or a sequence of ints, got {size!r} (of type "
                        f"{type(size).__name__}); e.g. size=(2, 3)") from None


def _int_arg(fn, name, v, low=0):
    """``v`` as an int >= ``low`` (None: any int): TypeError for a non-int, RuntimeError below
    ``low`` (torch's types)."""
    if not hasattr(v, "__index__"):
        raise TypeError(f"{fn}: {name} must be an int, got {v!r} (of type {type(v).__name__})")
    if low is not None and v < low:
        raise RuntimeError(f"{fn}: {name} must be >= {low}, got {v}")
    return int(v)


def _dt(dtype, fn="tensor"):
    return dtype_arg(fn, dtype) if dtype is not None else backend.default_float


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _filled("zeros", size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _filled("ones", size, 1, dtype, device, requires_grad)


def _filled(fn, size, value, dtype, device, requires_grad):
    """``size`` (ints, or one sequence) filled with ``value``; ``fn`` names the factory in the
    messages (``zeros``, ``ones``, ``empty``)."""
    shape = _shape(size)
    try:
        host = backend.host_full(shape, value, _dt(dtype, fn))
    except (TypeError, ValueError):
        explain_size(fn, shape)
        raise
    return _make(host, device, requires_grad, fn)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it unless given)."""
    return _full("full", _size_tuple("full", size), fill_value, dtype, device, requires_grad)


_NUMBERS = (int, float, bool)


def _full(fn, size, fill_value, dtype, device, requires_grad):
    """:func:`full` with ``size`` a tuple; ``fn`` names the factory in the messages
    (``full``, ``full_like``)."""
    if type(fill_value) not in _NUMBERS:
        fill_value = _fill_value(fn, fill_value)
    dt = dtype_arg(fn, dtype) if dtype is not None else backend.default_dtype_for(fill_value)
    try:
        host = backend.host_full(tuple(size), fill_value, dt)
    except (TypeError, ValueError):
        explain_size(fn, tuple(size))
        raise
    return _make(host, device, requires_grad, fn)


def _fill_value(fn, v):
    """A fill value that is not a Python number: a NumPy scalar or a 0-d tensor as a Python
    number (as torch takes them), anything else TypeError (NumPy would broadcast a list)."""
    num = backend.py_scalar(v)
    if num is None and isinstance(v, Tensor) and v.ndim == 0:
        num = v.item()
    if num is None:
        raise TypeError(f"{fn}: fill_value must be a number, got {v!r} (of type "
                        f"{type(v).__name__}); e.g. minigrad.full((2, 3), 1.5)")
    return num


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Evenly spaced values in ``[start, end)``; int64 for int arguments, else float32."""
    if end is None:
        start, end = 0, start
    try:
        bad = step == 0 or (end < start if step > 0 else end > start)
    except TypeError:
        bad = True
    if bad:
        explain_arange(start, end, step)
    if dtype is None:
        dtype = backend.int64 if all(isinstance(v, int) for v in (start, end, step)) else \
            backend.default_float
    host = backend.arange_host(start, end, step, dtype_arg("arange", dtype))
    return _make(host, device, requires_grad, "arange")


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The ``n x m`` identity matrix."""
    try:
        host = backend.host_eye(n, m, _dt(dtype, "eye"))
    except (TypeError, ValueError):
        _int_arg("eye", "n", n)
        if m is not None:
            _int_arg("eye", "m", m)
        raise
    return _make(host, device, requires_grad, "eye")


def rand(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from minigrad's seeded generator (see ``manual_seed``)."""
    return _drawn("rand", size, backend.rng().random, dtype, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples from minigrad's seeded generator (see ``manual_seed``)."""
    return _drawn("randn", size, backend.rng().standard_normal, dtype, device, requires_grad)


def _drawn(fn, size, draw, dtype, device, requires_grad):
    """``draw(shape)`` (a method of minigrad's generator) as a tensor; ``fn`` names the factory
    in the messages."""
    shape = _shape(size)
    try:
        host = draw(shape).astype(_dt(dtype, fn))
    except (TypeError, ValueError):
        explain_size(fn, shape)
        raise
    return _make(host, device, requires_grad, fn)


def _like(fn, x, dtype, device, requires_grad, **kw):
    if not isinstance(x, Tensor):
        _not_a_tensor(f"{fn.__name__}_like", x)
    return fn(x.shape, dtype=dtype or x.dtype, device=device or x.device,
              requires_grad=requires_grad, **kw)


def zeros_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of ``x``'s shape (and its dtype and device unless given)."""
    return _like(zeros, x, dtype, device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of ``x``'s shape (and its dtype and device unless given)."""
    return _like(ones, x, dtype, device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``fill_value`` in ``x``'s shape (and its dtype and device unless given)."""
    if not isinstance(x, Tensor):
        _not_a_tensor("full_like", x)
    return _full("full_like", x.shape, fill_value, dtype or x.dtype, device or x.device,
                 requires_grad)


def _not_a_tensor(fn, x):
    raise TypeError(f"{fn}: input must be a Tensor, got {type(x).__name__}; e.g. "
                    "minigrad.zeros(shape) for a new tensor of a shape, or "
                    f"minigrad.{fn}(minigrad.tensor(data))")


def rand_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples of ``x``'s shape (and its dtype and device unless given)."""
    return _like(rand, x, dtype, device, requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples of ``x``'s shape (and dtype and device unless given)."""
    return _like(randn, x, dtype, device, requires_grad)


def manual_seed(seed: int) -> None:
    """Seed the one generator behind init, dropout, shuffling and ``rand``/``randn``."""
    backend.manual_seed(seed)


def from_dlpack(obj) -> Tensor:
    """Wrap an array from another library (zero-copy where DLPack allows)."""
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(obj).__name__} does not implement __dlpack__")
    return Tensor(backend.from_dlpack(obj))
