"""``BatchNorm1d`` and ``BatchNorm2d``, as in PyTorch: learned ``weight`` (ones) and ``bias``
(zeros), and the buffers ``running_mean`` (zeros), ``running_var`` (ones) and
``num_batches_tracked`` (an int64 count), all in ``state_dict`` under PyTorch's keys."""
from __future__ import annotations

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import _new_param
from .module import Module


def _buffer(shape, value, dtype, device):
    dev = backend.normalize_device(device) if device is not None else "cpu"
    return Tensor(backend.from_numpy(backend.host_full(shape, value, dtype), dev))


class _BatchNorm(Module):
    _dims: tuple = ()  # the input ranks the subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = init.ones_(_new_param((num_features,), dtype, device))
            self.bias = _new_param((num_features,), dtype, device)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            dt = backend.canonical_dtype(dtype) if dtype is not None else backend.default_float
            self.register_buffer("running_mean", _buffer((num_features,), 0, dt, device))
            self.register_buffer("running_var", _buffer((num_features,), 1, dt, device))
            self.register_buffer("num_batches_tracked", _buffer((), 0, backend.int64, device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def forward(self, input):
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in self._dims:
            want = " or ".join(f"{d}-D" for d in self._dims)
            raise ValueError(f"{name}: expected {want} input, got "
                             f"{getattr(input, 'shape', type(input).__name__)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: input of shape {input.shape} has {input.shape[1]} "
                             f"channels (dim 1), expected num_features={self.num_features}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.copy_(self.num_batches_tracked + 1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / int(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of an (N, C) or (N, C, L) input over N (and L), per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of an (N, C, H, W) input over N, H and W, per channel C."""

    _dims = (4,)
