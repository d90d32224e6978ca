"""``Parameter``: a leaf Tensor that a Module registers as learnable.

In PyTorch ``Parameter`` is a Tensor subclass. minigrad's engine tells leaves from graph nodes by
their exact type (``type(p) is Tensor``), which keeps the backward loop simple and fast, so here a
Parameter is an ordinary leaf Tensor *carrying a mark*: ``Parameter(x)`` returns a Tensor with
``requires_grad=True`` that shares ``x``'s array, and ``isinstance(t, Parameter)`` is true for
exactly the tensors made that way. Assigning one to a Module attribute registers it, which is how
``model.parameters()`` finds it.
"""
from __future__ import annotations

import weakref

from .. import backend
from ..tensor import Tensor

# id(tensor) -> weak reference to it, for the tensors marked as parameters.
_marked: dict[int, weakref.ref] = {}


def _forget(key):
    return lambda _ref: _marked.pop(key, None)


def mark(t: Tensor) -> Tensor:
    """Mark an existing leaf Tensor as a Parameter (used by ``Parameter`` and ``deepcopy``)."""
    key = id(t)
    _marked[key] = weakref.ref(t, _forget(key))
    return t


class _ParameterMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        if type(obj) is not Tensor:
            return False
        ref = _marked.get(id(obj))
        return ref is not None and ref() is obj


class Parameter(metaclass=_ParameterMeta):
    """``Parameter(data, requires_grad=True)``: a learnable leaf sharing ``data``'s array.

    ``data`` is a Tensor (its array is shared, as in PyTorch, not copied) or a backend array;
    ``None`` gives an empty float32 tensor. The result is a plain ``Tensor`` (see the module
    docstring for why) for which ``isinstance(p, nn.Parameter)`` is True.
    """

    def __new__(cls, data=None, requires_grad: bool = True) -> Tensor:  # type: ignore[misc]
        if data is None:
            arr = backend.from_numpy(backend.host_full((0,), 0, backend.default_float), "cpu")
        elif isinstance(data, Tensor):
            if data.grad_fn is not None:
                data = data.detach()
            arr = data.array
        elif backend.is_array(data):
            arr = data
        else:
            raise TypeError(
                f"Parameter: expected a Tensor, got {type(data).__name__}; make one first, e.g. "
                "nn.Parameter(minigrad.zeros(3))"
            )
        t = Tensor(arr)
        t.requires_grad_(requires_grad)
        return mark(t)
