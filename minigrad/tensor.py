"""The Tensor: an array plus what autodiff needs to know about it.

A Tensor holds ``data`` (an array of its backend: NumPy, CuPy or the strict stand-in), ``grad``,
``requires_grad`` and ``grad_fn``, the graph node (a :class:`~minigrad.autograd.function.Context`)
of the op that produced it. Arithmetic and the other methods (``+``, ``sum``, ``reshape``, ...) are
attached by :mod:`minigrad.ops` when it is imported, so this file stays about the data structure.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import backend


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks: list, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        for i, h in enumerate(self._hooks):
            if h is self._fn:
                del self._hooks[i]
                return


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Make one with :func:`minigrad.tensor`; the constructor is for internal use and takes a
    backend array without copying it.

    ``array`` is the backend array itself (NumPy, CuPy or the strict stand-in). ``data`` is
    PyTorch's: a Tensor sharing the memory, outside autograd.

    In-place ops (``x[i] = v``, ``x += y``, ``add_``, ``zero_``, ``copy_``, optimizer steps) bump
    ``_version``; a backward that needs a saved tensor changed since then raises (see
    :mod:`minigrad.ops.inplace`). Writing through ``.data`` (``p.data -= lr * p.grad``, as in
    PyTorch) is the escape hatch: the values change with no version bump and no check.
    """

    # What every tensor has, in slots (set by __init__): the array, its version counter,
    # whether it requires grad, and the node that made it (with the output's index there).
    __slots__ = ("array", "_vc", "_rg", "grad_fn", "_out_index", "__dict__", "__weakref__")
    array: Any
    _vc: list
    _rg: bool
    grad_fn: Any
    _out_index: int
    # What a new tensor has until it is set (most tensors keep these): no grad, no hooks.
    _grad: Any
    _hooks: Any
    name: Any
    _grad = _hooks = name = None
    # NumPy must not treat a Tensor as an object array: ndarray + Tensor defers to Tensor (raises)
    __array_ufunc__ = None
    __array_priority__ = 1000

    if TYPE_CHECKING:  # for type checkers: what minigrad.ops attaches when it is imported
        def __getattr__(self, name: str) -> Any: ...
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...

    def __init__(self, array, requires_grad=False, grad_fn=None, out_index=0):
        # (_vc: the version counter, a list shared with views and detach())
        self.array, self._vc, self._rg, self.grad_fn, self._out_index = (
            array, [0], requires_grad, grad_fn, out_index)

    @property
    def data(self) -> Tensor:
        """A Tensor sharing this tensor's memory, cut from the graph and with its own version
        counter (PyTorch's ``.data``): changes through it are not tracked. ``p.data -= lr *
        p.grad`` updates ``p`` in place; ``t.data = other`` makes ``t`` hold ``other``'s array.
        For the backend array itself use ``.array``."""
        return Tensor(self.array)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"t.data = ... takes a Tensor, got {type(value).__name__}; wrap an "
                            "array with minigrad.tensor(...), or assign the array to t.array")
        self.array = value.array

    @property
    def _version(self) -> int:
        """How many times the data was changed in place (shared with ``detach()`` results)."""
        return self._vc[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._vc[0] = value

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple:
        return tuple(self.array.shape)

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self):
        return backend.dtype_of(self.array)

    @property
    def device(self) -> str:
        return backend.device_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def numel(self) -> int:
        n = 1
        for s in self.array.shape:
            n *= s
        return n

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    # ------------------------------------------------------------------ requires_grad / grad
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Ask (or stop asking) for gradients of this leaf. Returns ``self``."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; this tensor was made by "
                f"{self.grad_fn.name}. Use .detach() to get a leaf copy of it."
            )
        if requires_grad and not backend.is_floating(self.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype} "
                f"(shape {self.shape}); convert with .float() or .double() first"
            )
        self._rg = bool(requires_grad)
        return self

    @property
    def grad(self):
        """The accumulated gradient (a Tensor) or None. Assignable: ``p.grad = None``."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise ValueError(
                    f"assigned grad has shape {value.shape} but the tensor has shape {self.shape}"
                )
            if value.dtype != self.dtype or value.device != self.device:
                raise TypeError(
                    f"assigned grad is {value.dtype} on {value.device} but the tensor is "
                    f"{self.dtype} on {self.device}"
                )
        self._grad = value

    # retain_grad() is attached by minigrad.autograd (hooks.retain_grad), with backward().

    def register_hook(self, fn) -> RemovableHandle:
        """Call ``fn(grad)`` once per backward pass with this tensor's *total* gradient.

        If ``fn`` returns a Tensor it replaces the gradient (what accumulates into a leaf, or what
        flows on from an intermediate); returning None keeps it. Hooks run in registration order.
        """
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that does not require grad "
                f"(shape {self.shape}); call .requires_grad_() on the leaf first"
            )
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self.grad_fn.hooks_for(self._out_index)
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    # backward(gradient=None, retain_graph=None, create_graph=False, inputs=None) is attached
    # by minigrad.autograd (api.tensor_backward): it runs the engine, which imports this module.

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data *and version counter*, cut from the graph (a
        stop-gradient). An in-place change through it is seen by nodes that saved this tensor."""
        t = Tensor(self.array)
        t._vc = self._vc
        return t

    # ------------------------------------------------------------------ conversions
    def numpy(self):
        """The values as a host NumPy array (a copy for GPU tensors)."""
        if self._rg:
            raise RuntimeError("can't call numpy() on a tensor that requires grad; "
                               "use .detach().numpy()")
        return backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)`` and NumPy functions on a Tensor get its values, as in PyTorch:
        refused while it requires grad (``.detach()`` first) or when it is not on the host
        (``.cpu()`` first: minigrad never moves data silently)."""
        if backend.device_of(self.array).startswith("cuda"):
            raise TypeError(f"can't convert a {self.device} tensor to a NumPy array; use "
                            ".cpu() first (or .numpy(), which copies to the host)")
        arr = self.numpy()
        arr = arr if dtype is None else arr.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return backend.to_numpy(self.array).reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.numel()} elements (shape {self.shape}) "
                "is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if backend.is_floating(self.dtype):
            raise TypeError("only integer tensors can be used as an index")
        return int(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__  # identity, even though == is elementwise

    def __dlpack__(self, *args, **kwargs):
        if self._rg:
            raise RuntimeError("can't export a tensor that requires grad through DLPack; "
                               "use .detach() first")
        return self.array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def __repr__(self):
        body = repr(backend.to_numpy(self.array))
        body = body[body.index("(") + 1:body.rindex(")")]
        if ", dtype=" in body:
            body = body[:body.rindex(", dtype=")]
        extras = []
        if backend.dtype_of(self.array) not in (backend.float32, backend.int64, backend.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self._rg:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body.strip(), *extras]) + ")"
