"""minigrad: reverse-mode automatic differentiation on NumPy and CuPy, small enough to read.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""
from . import (  # (minigrad.utils.data: PyTorch's path to DataLoader)
    autograd,
    backend,
    cuda,
    data,
    nn,
    optim,
    testing,
    utils,
)
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
from .autograd import functional as _autograd_functional
from .backend import bool_, float32, float64, int32, int64
from .creation import (
    arange,
    as_tensor,
    eye,
    from_dlpack,
    full,
    full_like,
    get_default_device,
    get_default_dtype,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    set_default_device,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)
from .creation_more import empty, from_numpy, linspace, normal, randint, randperm
from .ops import *  # noqa: F403 - the op functions are the public namespace
from .ops import __all__ as _ops_all
from .ops.args import device
from .ops.linalg_more import linalg_namespace as linalg
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

# PyTorch's paths: torch.autograd.gradcheck / gradgradcheck / functional, torch.inference_mode
setattr(autograd, "gradcheck", testing.gradcheck)
setattr(autograd, "gradgradcheck", testing.gradgradcheck)
setattr(autograd, "functional", _autograd_functional)
inference_mode = no_grad

__version__ = "0.1.0"
__all__ = ["Tensor", "tensor", "Function", "Context", "backward", "grad", "no_grad",
           "enable_grad", "is_grad_enabled", "set_grad_enabled", "detect_anomaly", "float32",
           "float64", "int32", "int64", "bool_", "zeros", "ones", "full", "arange", "eye", "rand",
           "randn", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
           "manual_seed", "from_dlpack", "as_tensor", "cuda", "backend", "testing",
           "RemovableHandle", "custom_gradient", "override_gradient", "stop_gradient",
           "straight_through_round", "StraightThroughRound", "GradientReversal", "grad_reverse",
           "clip_grad_hook", *_ops_all]
__all__ += ["nn", "optim", "data", "save", "load", "utils", "device", "inference_mode", "linalg",
            "linspace", "empty", "randint", "randperm", "normal", "from_numpy",
            "set_default_device", "get_default_device", "set_default_dtype", "get_default_dtype"]
