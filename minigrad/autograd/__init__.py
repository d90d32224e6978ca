"""Reverse-mode autodiff: Function/Context, the backward engine, grad modes, anomaly mode."""
from .anomaly import detect_anomaly
from .engine import backward, grad
from .function import Context, Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Context", "Function", "backward", "grad", "no_grad", "enable_grad",
           "is_grad_enabled", "set_grad_enabled", "detect_anomaly"]
