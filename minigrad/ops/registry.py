"""Where each op is declared, once.

A public op function carries one declaration, ``@declare(OpClass, "alias", methods=(...))``:
its Op class (None for a composite of several ops), other public names, and the Tensor methods
or operators it stands behind (``rmethods``: reflected operators such as ``__radd__``, called
with the operands swapped). From these come the Tensor methods (:func:`attach_methods`),
``override_gradient``'s lookup from a function to its class, ``minigrad.ops.__all__``, and the
test that the op table of the test suite covers every op (``tests/engine/test_op_registry.py``).
"""
from __future__ import annotations

FUNCTIONS: dict = {}  # public name -> function
METHODS: dict = {}  # Tensor attribute -> function (or, for reflected operators, its swap)


def declare(cls, *aliases, methods=(), rmethods=()):
    """Decorator for an op's public function (see the module docstring)."""

    def register(fn):
        fn.op = cls
        for name in (fn.__name__, *aliases):
            FUNCTIONS[name] = fn
        for m in methods:
            METHODS[m] = fn
        for m in rmethods:
            METHODS[m] = _reflected(fn)
        return fn

    return register


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    method.__doc__ = f"``{fn.__name__}(other, self)``: the reflected operator."
    return method


def op_classes() -> set:
    """Every declared Op class."""
    return {fn.op for fn in FUNCTIONS.values() if fn.op is not None}


def attach_methods(tensor_cls) -> None:
    """Give ``tensor_cls`` every declared method and operator."""
    for name, fn in METHODS.items():
        setattr(tensor_cls, name, fn)
