"""In-place ops: ``x[i] = v``, ``x += y`` (``-=``, ``*=``, ``/=``), ``add_``, ``sub_``, ``mul_``,
``div_``, ``zero_``, ``fill_``, ``copy_``.

Each one bumps the tensor's version counter (``x._version``). A graph node that saved a tensor
for its backward remembers the version it saw, and its backward raises if the tensor has changed
since: without the check it would compute the gradient from the new values, silently and wrongly.
Views count too: ``linear`` saves ``w.T``, and a change to ``w`` is a change to ``w.T``.

The rules, and why:

* **A leaf that requires grad** (a parameter) may be changed in place only under
  ``minigrad.no_grad()``, as optimizers do. Outside it the change would be a step of the
  computation with no node to differentiate, so it raises.
* **A leaf** gets the new values written into its array: views of it and every other reference
  to the array see them (that is what "in place" promises).
* **A tensor made by the graph** (it has a ``grad_fn``) gets a new array, and when the op is
  recorded a new ``grad_fn``: ``y += 1`` is recorded like ``y = y + 1``, except that every
  reference to the Tensor object sees the new value. The node that made the old value keeps it
  (it may need it for its own backward); a node that saved the old tensor as an input sees its
  version change and refuses to run. Views of ``y`` taken before the change keep the old values.
  Writing *through* a recorded view of ``y`` (``y[0].add_(1)``, ``v = y.T; v += 1``) raises:
  the write would not reach ``y`` (PyTorch rebases ``y``'s history to make it reach).
* **Recorded ops** (the value written requires grad) also give the tensor a new array: the node
  needs the old one.
* **dtypes** follow the binary ops' promotion rules (no silent float64 -> float32), and the
  result must keep the tensor's dtype and shape: ``int_tensor += 0.5`` and ``x(3,) += y(2, 3)``
  raise rather than truncate or grow ``x``.

``tensor.array`` is the escape hatch: writing to it (``p.array -= lr * p.grad.array``) changes the
values with no version bump and no check, so it is for code that knows no graph needs them.
"""
from __future__ import annotations

import weakref
from typing import Any

from .. import backend
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend.indexing import _index_to_host, _is_basic
from ..tensor import Tensor
from . import arithmetic, indexing
from .operands import broadcast_shape, check_operand, promote
from .xp import xp_of


class SetItem(Op):
    """``x`` with ``x[index] = value``, as a new array.

    The output equals ``value`` (broadcast) on the indexed region and ``x`` elsewhere, so
    d/dx = g with zeros on that region, and d/dvalue = g[index] (the engine sums it over the
    broadcast back to ``value``'s shape).
    """

    @staticmethod
    def forward(ctx, x, index, value):
        ctx.index = index
        if ctx.needs_input_grad[0]:
            keep = backend.create(x, "ones", tuple(x.shape), dtype=backend.dtype_of(x))
            zero = backend.create(x, "zeros", (), dtype=backend.dtype_of(x))
            ctx.save_for_backward(raw_setitem(keep, index, zero))
        return raw_setitem(backend.copy(x), index, value)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        gx = None
        if need[0]:
            (keep,) = ctx.saved
            gx = g * keep
        gv = xp_of(g).getitem(g, ctx.index) if need[2] else None
        return gx, None, gv


def raw_setitem(arr, index, value):
    """``arr[index] = value`` on any backend; returns the array holding the result (``arr``
    itself, except for index kinds the strict stand-in cannot write, done through the host)."""
    if backend.device_of(arr) != "strict":
        arr[index] = value
        return arr
    parts = index if isinstance(index, tuple) else (index,)
    if all(_is_basic(p) for p in parts):
        arr[parts if Ellipsis in parts else parts + (Ellipsis,)] = value
        return arr
    host = backend.to_numpy(arr).copy()
    host[_index_to_host(index)] = backend.to_numpy(value)
    return backend.from_numpy(host, "strict")


# ----------------------------------------------------------------------------- checks
def _label(t) -> str:
    return f"shape {t.shape}, {t.dtype}" + (f", name {t.name!r}" if t.name else "")


def _check_leaf(t, op) -> None:
    if t._rg and t.grad_fn is None and grad_mode.state.enabled:
        raise RuntimeError(
            f"{op}: can't change a leaf tensor that requires grad in place ({_label(t)}): the "
            "change would be part of the computation with no node to differentiate it. For an "
            "update (as an optimizer does) wrap it in `with minigrad.no_grad():`, or write to "
            "its array with `t.array[...] = ...` (the escape hatch: no version bump, no checks)."
        )


def _value(op, t, value) -> Tensor:
    """``value`` as a Tensor of ``t``'s dtype on ``t``'s device, by the promotion rules."""
    v = check_operand(op, value, t)
    if isinstance(v, Tensor):
        if v.device != t.device:
            raise RuntimeError(f"{op}: the value is on {v.device} but the tensor ({_label(t)}) "
                               f"is on {t.device}; move it with .to('{t.device}') first")
        if v.dtype == t.dtype:
            return v
        a, b = promote(op, t, v)  # float32 with float64 raises here
        _same_dtype(op, t, a.dtype, f"a {v.dtype} value")
        return b
    a, _ = promote(op, t, v)
    _same_dtype(op, t, a.dtype, f"a Python {type(v).__name__}")
    host = backend.scalar_array(v, t.dtype)
    return Tensor(host if t.device == "cpu" else backend.from_numpy(host, t.device))


def _same_dtype(op, t, dtype, what) -> None:
    if dtype != t.dtype:
        raise TypeError(
            f"{op}: {what} makes the result {dtype}, but a tensor of dtype {t.dtype} (shape "
            f"{t.shape}) can't change dtype in place. Convert first (e.g. x = x.to(minigrad."
            f"{dtype.name})), or use the out-of-place form (x = x + y)."
        )


def _snapshot(t) -> Tensor:
    """A second Tensor for ``t``'s current value (same array, same place in the graph), so a
    recorded in-place op can save the *old* value while ``t`` itself moves on."""
    return Tensor(t.array, requires_grad=t._rg, grad_fn=t.grad_fn, out_index=t._out_index)


def _commit(t, new, op) -> Tensor:
    """Make ``t`` hold ``new`` (computed from its old value) and bump its version."""
    if t.__dict__.get("_graph_view"):
        raise RuntimeError(
            f"{op}: this tensor ({_label(t)}) is a view, made by {t.grad_fn.name}, of a tensor "
            "that is part of the graph; minigrad does not carry a write through such a view back "
            "to its base (PyTorch does). Write to the base itself (base[index] = value, "
            "base.add_(...)), or change a copy of the view (v = v.clone()), or do it under "
            "minigrad.no_grad() on a tensor that needs no gradient.")
    if new.shape != t.shape:
        raise ValueError(
            f"{op}: the result has shape {new.shape} but the tensor written to has shape "
            f"{t.shape}; an in-place op can't change a tensor's shape (only the other operand "
            "may be broadcast). Use the out-of-place form, e.g. x = x + y."
        )
    _same_dtype(op, t, new.dtype, "the operation")
    if new.grad_fn is None and t.grad_fn is None:
        _write(t, new.array, op)
    else:
        if t.grad_fn is not None and new.grad_fn is not None:
            _move_retained(t, new)
        t.array = new.array
        if new.grad_fn is not None:
            t.grad_fn, t._out_index, t._rg = new.grad_fn, new._out_index, True
        # New storage: a fresh counter (the old array, which nodes may have saved as an
        # output, is unchanged); nodes that saved `t` itself see its version move below.
        t._vc = [t._vc[0]]
    t._version += 1
    return t


def _write(t, arr, op) -> None:
    try:
        out = raw_setitem(t.array, Ellipsis, arr)
    except (ValueError, TypeError) as exc:  # NumPy: read-only array (a broadcast view)
        raise RuntimeError(
            f"{op}: the tensor's array ({_label(t)}) is read-only, probably a broadcast view "
            "(expand/broadcast_to) whose elements share memory; change a copy (.clone())."
        ) from exc
    if out is not t.array:
        t.array = out


def _move_retained(t, new) -> None:
    """``retain_grad()`` follows the tensor to its new value, as in PyTorch."""
    from ..autograd.hooks import RetainGrad

    hooks = (t.grad_fn.hooks or {}).get(t._out_index, [])
    for i, h in enumerate(hooks):
        if type(h) is RetainGrad and h.ref() is t:
            del hooks[i]
            new.grad_fn.hooks_for(new._out_index).append(RetainGrad(weakref.ref(t)))
            return


# ----------------------------------------------------------------------------- the ops
def _arith(op, fn, symbol, scaled):
    def method(self, other, *, alpha=1):
        _check_leaf(self, op)
        if alpha != 1 and not scaled:
            raise TypeError(f"{op}() takes no alpha (only add_ and sub_ do)")
        if alpha != 1:
            other = check_operand(op, other, self)
            other = arithmetic.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
        a, b = promote(op, self, other)
        _same_dtype(op, self, a.dtype, "the other operand")
        if isinstance(b, Tensor) and b.shape != self.shape:
            if broadcast_shape(op, self.shape, b.shape) != self.shape:
                raise ValueError(
                    f"{op}: the other operand's shape {b.shape} broadcasts the tensor's shape "
                    f"{self.shape} to {broadcast_shape(op, self.shape, b.shape)}; in place the "
                    "shape can't grow. Use the out-of-place form, e.g. x = x + y.")
        return _commit(self, fn(_snapshot(self), b), op)

    method.__name__ = op
    form = f"self {symbol} alpha * other" if scaled else f"self {symbol} other"
    method.__doc__ = (f"In place: ``self = {form}``; bumps the version. See the module docstring "
                      "for the rules.")
    return method


add_ = _arith("add_", arithmetic.add, "+", True)
sub_ = _arith("sub_", arithmetic.sub, "-", True)
mul_ = _arith("mul_", arithmetic.mul, "*", False)
div_ = _arith("div_", arithmetic.div, "/", False)


def _operator(op, method):
    def inplace_operator(self, other):
        return method(self, other)

    inplace_operator.__name__ = op
    return inplace_operator


def setitem(self, index, value, *, op="setitem (x[index] = value)"):
    """``x[index] = value``: ints, slices, None, Ellipsis, bool masks and integer arrays, with
    ``value`` a number or a Tensor broadcast to the indexed region."""
    _check_leaf(self, op)
    indexing.check_mask(index, self, op)
    idx = indexing._convert_index(index, self)
    v = _value(op, self, value)
    try:
        sub = tuple(backend.getitem(self.array, idx).shape)
    except IndexError:
        indexing.explain_index(op, self.shape, idx)
        raise
    if v.shape != sub and not _broadcasts(v.shape, sub):
        raise ValueError(f"{op}: a value of shape {v.shape} can't fill a region of shape {sub} "
                         f"(indexing a tensor of shape {self.shape}); shapes must broadcast")
    if grad_mode.state.enabled and (self._rg or v._rg):
        return _commit(self, SetItem.apply(_snapshot(self), idx, v), op)
    arr = self.array if self.grad_fn is None else backend.copy(self.array)
    try:
        out = raw_setitem(arr, idx, v.array)
    except (ValueError, TypeError) as exc:
        raise RuntimeError(f"{op}: the tensor's array ({_label(self)}) is read-only, probably "
                           "a broadcast view (expand/broadcast_to); change a copy (.clone())."
                           ) from exc
    self.array = out
    self._version += 1
    return self


def _broadcasts(shape, target) -> bool:
    try:
        return broadcast_shape("", shape, target) == target
    except ValueError:
        return False


def __setitem__(self, index, value):  # noqa: N807 - attached as Tensor.__setitem__
    setitem(self, index, value)


def copy_(self, src):
    """Copy ``src``'s values into ``self`` (broadcast to its shape; gradients flow to ``src``).
    Same dtype rules as the binary ops; no silent move between devices."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: src must be a Tensor, got {type(src).__name__}")
    return setitem(self, Ellipsis, src, op="copy_")


def fill_(self, value):
    """Set every element to ``value`` (a number or a 0-d Tensor)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"fill_: value must be a number or a 0-d tensor, got shape {value.shape}")
    return setitem(self, Ellipsis, value, op="fill_")


def zero_(self):
    """Set every element to zero (any dtype)."""
    return setitem(self, Ellipsis, Tensor(backend.create(self.array, "zeros", (),
                                                         dtype=self.dtype)), op="zero_")


def attach() -> None:
    """Give Tensor its in-place methods."""
    T: Any = Tensor  # attributes are added here, so a type checker may not know them
    T.add_, T.sub_, T.mul_, T.div_ = add_, sub_, mul_, div_
    T.__iadd__ = _operator("__iadd__", add_)
    T.__isub__ = _operator("__isub__", sub_)
    T.__imul__ = _operator("__imul__", mul_)
    T.__itruediv__ = _operator("__itruediv__", div_)
    T.__setitem__ = __setitem__
    T.copy_, T.fill_, T.zero_ = copy_, fill_, zero_


def zero_grad_in_place(p: Tensor) -> None:
    """``zero_grad(set_to_none=False)``: zero ``p.grad`` in place (references to it see zeros),
    or replace it by zeros when it is part of a graph (made with ``create_graph=True``)."""
    g = p.grad
    if g.requires_grad:
        p.grad = Tensor(backend.namespace(g.array).zeros_like(g.array))
        return
    with grad_mode.no_grad():
        g.zero_()
