"""minigrad: reverse-mode automatic differentiation on NumPy and CuPy, small enough to read.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""
from . import backend, cuda, data, nn, optim, testing
from .autograd import (
    Context,
    Function,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import bool_, float32, float64, int32, int64
from .creation import (
    arange,
    as_tensor,
    eye,
    from_dlpack,
    full,
    full_like,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .ops import *  # noqa: F403 - the op functions are the public namespace
from .ops import __all__ as _ops_all
from .overrides import (
    GradientReversal,
    StraightThroughRound,
    clip_grad_hook,
    custom_gradient,
    grad_reverse,
    override_gradient,
    stop_gradient,
    straight_through_round,
)
from .serialization import load, save
from .tensor import RemovableHandle, Tensor

__version__ = "0.1.0"
__all__ = ["Tensor", "tensor", "Function", "Context", "backward", "grad", "no_grad",
           "enable_grad", "is_grad_enabled", "set_grad_enabled", "detect_anomaly", "float32",
           "float64", "int32", "int64", "bool_", "zeros", "ones", "full", "arange", "eye", "rand",
           "randn", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
           "manual_seed", "from_dlpack", "as_tensor", "cuda", "backend", "testing",
           "RemovableHandle", "custom_gradient", "override_gradient", "stop_gradient",
           "straight_through_round", "StraightThroughRound", "GradientReversal", "grad_reverse",
           "clip_grad_hook", *_ops_all]
__all__ += ["nn", "optim", "data", "save", "load"]
