"""Reverse-mode autodiff: Op/Function/Context, the backward engine, grad modes, anomaly mode.

Read in this order: :mod:`.function` (how an op records a node), :mod:`.engine` (the backward
walk), :mod:`.api` (``backward`` and ``grad``); then, as needed, :mod:`.grad_mode`,
:mod:`.hooks`, :mod:`.accumulate`, :mod:`.versions`, :mod:`.custom` (PyTorch's ``Function``
contract), :mod:`.extend` (where optional features plug in) and :mod:`.anomaly`.
"""
from ..tensor import Tensor
from .anomaly import detect_anomaly
from .api import backward, grad, tensor_backward
from .function import Context, Function, Op
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .hooks import retain_grad

# The methods the engine gives Tensor (tensor.py imports nothing of autograd).
setattr(Tensor, "backward", tensor_backward)
setattr(Tensor, "retain_grad", retain_grad)

__all__ = ["Context", "Function", "Op", "backward", "grad", "no_grad", "enable_grad",
           "is_grad_enabled", "set_grad_enabled", "detect_anomaly"]
