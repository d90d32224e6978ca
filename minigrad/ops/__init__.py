"""All built-in ops. Importing this package attaches Tensor's operator methods (``+``, ``@``,
``.sum()``, ``.reshape()``, ...) as thin sugar over the functions defined here, and gives the
engine the Tensor-level namespace that backward rules use when ``create_graph=True``."""
from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import (  # noqa: F401 (each module declares its ops)
    activation,
    arithmetic,
    compare,
    conv,
    convert,
    elementwise_more,
    indexing,
    inplace,
    linalg,
    linalg_more,
    nll,
    normalization,
    pca,
    pool,
    reduce,
    registry,
    shape,
    shape_more,
    unary,
    unfold,
    xp,
)
from .methods import attach

# Every declared op function and class is a public name here (see registry.py).
globals().update(registry.FUNCTIONS)
globals().update({cls.__name__: cls for cls in registry.op_classes()})

# The names a backward rule may call as xp_of(g).<name>; RawNamespace offers the same on arrays.
_F = registry.FUNCTIONS
graph_namespace = SimpleNamespace(**{name: _F[name] for name in (
    "sum", "reshape", "broadcast_to", "where", "exp", "log", "cos", "sin", "sign", "matmul",
    "matrix_transpose", "permute_dims", "unsqueeze", "cast", "index_add", "to_device", "maximum",
    "sqrt", "tanh", "outer", "clone", "getitem")}, mask=lambda g, cond: _F["where"](cond, g, 0.0))
xp.graph_namespace = graph_namespace
attach()
shape_more.attach()  # t(), type(), int(), new_*, uniform_/normal_
inplace.attach()  # x[i] = v, +=, add_, zero_, copy_, ...: version-counted in-place ops

if TYPE_CHECKING:  # the op names above are set from the registry, which type checkers cannot see
    def __getattr__(name: str) -> Any: ...

__all__ = sorted(registry.FUNCTIONS) + sorted(cls.__name__ for cls in registry.op_classes())
