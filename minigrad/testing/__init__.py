"""Tools for checking gradients: ``gradcheck`` and ``gradgradcheck`` (float64)."""
from .gradcheck import GradcheckError, custom_backward_nodes, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "custom_backward_nodes"]
