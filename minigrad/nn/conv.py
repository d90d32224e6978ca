"""``Conv2d`` and ``ConvTranspose2d``: learned 2-D (transposed) convolutions, as in PyTorch."""
from __future__ import annotations

import math

from . import functional as F
from . import init
from .layers import _new_param
from .module import Module


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class _ConvNd(Module):
    """What both convolutions hold: the hyper-parameters, ``weight`` and ``bias``, initialised
    as PyTorch does: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both (fan_in = weight.shape[1] *
    kh * kw), drawn from minigrad's seeded generator, weight first."""

    def __init__(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, transposed, device, dtype):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}; pad the input yourself for other modes")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.dilation, self.groups, self.padding_mode = _pair(dilation), groups, padding_mode
        shape = ((in_channels, out_channels // groups) if transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        fan_in = shape[1] * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        self.weight = init.uniform_(_new_param(shape, dtype, device), -bound, bound)
        if bias:
            self.bias = init.uniform_(_new_param((out_channels,), dtype, device), -bound, bound)
        else:
            self.register_parameter("bias", None)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-D cross-correlation over an (N, C_in, H, W) input: weight (C_out, C_in/groups, kh,
    kw), bias (C_out,). ``padding``: an int, a pair, ``'valid'`` or ``'same'``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, padding_mode, False, device, dtype)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input): weight
    (C_in, C_out/groups, kh, kw). ``forward(input, output_size=None)`` may ask for one of the
    sizes the stride leaves ambiguous (it picks output_padding)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride,
                         padding, dilation, groups, bias, padding_mode, True, device, dtype)
        self.output_padding = _pair(output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        want = tuple(output_size)[-2:]
        pads = []
        for i in (0, 1):
            smallest = ((input.shape[-2 + i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not smallest <= want[i] < smallest + self.stride[i]:
                raise ValueError(f"ConvTranspose2d: output_size {want} is not reachable from "
                                 f"input {input.shape}: dim {i} must be in [{smallest}, "
                                 f"{smallest + self.stride[i] - 1}]")
            pads.append(want[i] - smallest)
        return tuple(pads)

    def forward(self, input, output_size=None):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
