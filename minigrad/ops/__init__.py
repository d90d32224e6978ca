"""All built-in ops. Importing this package attaches Tensor's operator methods (``+``, ``@``,
``.sum()``, ``.reshape()``, ...) as thin sugar over the functions defined here, and gives the
engine the Tensor-level namespace that backward rules use when ``create_graph=True``."""
from __future__ import annotations

from types import SimpleNamespace

from . import inplace, xp
from .activation import LogSoftmax, Softmax, log_softmax, softmax
from .arithmetic import (
                         Add,
                         Div,
                         Maximum,
                         Minimum,
                         Mul,
                         Neg,
                         Pow,
                         Reciprocal,
                         Sub,
                         add,
                         div,
                         divide,
                         maximum,
                         minimum,
                         mul,
                         multiply,
                         neg,
                         negative,
                         pow,
                         reciprocal,
                         sub,
                         subtract,
                         true_divide,
)
from .compare import Where, eq, ge, gt, le, lt, ne, where
from .convert import Cast, Clone, ToDevice
from .indexing import GetItem, IndexAdd, getitem, index_add
from .linalg import Linear, MatMul, Trace, linear, matmul, outer, trace  # noqa: F401 (F uses)
from .methods import attach, cast, clone, to_device
from .reduce import (
                         LogSumExp,
                         MaxMin,
                         Mean,
                         Norm2,
                         Sum,
                         argmax,
                         argmin,
                         logsumexp,
                         max,
                         mean,
                         min,
                         norm,
                         sum,
                         var,
)
from .shape import (
                         BroadcastTo,
                         Cat,
                         Permute,
                         Reshape,
                         broadcast_to,
                         cat,
                         concat,
                         concatenate,
                         expand,
                         expand_dims,
                         flatten,
                         matrix_transpose,
                         permute,
                         permute_dims,
                         reshape,
                         squeeze,
                         stack,
                         transpose,
                         unsqueeze,
                         view,
)
from .unary import (
                         Abs,
                         Clip,
                         Cos,
                         Exp,
                         Log,
                         Relu,
                         Round,
                         Sigmoid,
                         Sign,
                         Sin,
                         Sqrt,
                         Square,
                         Tanh,
                         abs,
                         clamp,
                         clip,
                         cos,
                         exp,
                         log,
                         relu,
                         round,
                         sigmoid,
                         sign,
                         sin,
                         sqrt,
                         square,
                         tanh,
)

# The names a backward rule may call as xp_of(g).<name>; RawNamespace offers the same on arrays.
graph_namespace = SimpleNamespace(
    sum=sum, reshape=reshape, broadcast_to=broadcast_to, where=where, exp=exp, log=log, cos=cos,
    sin=sin, sign=sign, matmul=matmul, matrix_transpose=matrix_transpose,
    permute_dims=permute_dims, unsqueeze=unsqueeze, cast=cast, index_add=index_add,
    to_device=to_device, maximum=maximum, sqrt=sqrt, tanh=tanh, outer=outer, clone=clone,
    getitem=getitem, mask=lambda g, cond: where(cond, g, 0.0),
)
xp.graph_namespace = graph_namespace
attach()
inplace.attach()  # x[i] = v, +=, add_, zero_, copy_, ...: version-counted in-place ops

__all__ = [  # the public names: op classes and functions
    "Abs", "Add", "BroadcastTo", "Cast", "Cat", "Clip", "Clone", "Cos", "Div", "Exp", "GetItem",
    "IndexAdd", "Log", "LogSoftmax", "LogSumExp", "MatMul", "MaxMin", "Maximum", "Mean", "Minimum",
    "Mul", "Neg", "Norm2", "Permute", "Pow", "Reciprocal", "Relu", "Reshape", "Round", "Sigmoid", "Sign", "Sin",
    "Softmax", "Sqrt", "Square", "Sub", "Sum", "Tanh", "ToDevice", "Trace", "Where", "abs", "add",
    "argmax", "argmin", "broadcast_to", "cast", "cat", "clamp", "clip", "clone", "concat",
    "concatenate", "cos", "div", "divide", "eq", "exp", "expand", "expand_dims", "flatten", "ge",
    "getitem", "gt", "index_add", "le", "log", "log_softmax", "logsumexp", "lt", "matmul",
    "matrix_transpose", "max", "maximum", "mean", "min", "minimum", "mul", "multiply", "ne", "neg",
    "negative", "norm", "outer", "permute", "reciprocal", "permute_dims", "pow", "relu", "reshape", "round",
    "sigmoid", "sign", "sin", "softmax", "sqrt", "square", "squeeze", "stack", "sub", "subtract",
    "sum", "tanh", "to_device", "trace", "transpose", "true_divide", "unsqueeze", "var", "view",
    "where"
]
