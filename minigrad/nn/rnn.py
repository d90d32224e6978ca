"""``LSTM`` and ``LSTMCell``: long short-term memory, with PyTorch's signature, parameter names and
semantics, composed from existing ops (``linear``, ``sigmoid``, ``tanh``, slicing, ``stack``).

One step, for the gates in PyTorch's order (input, forget, cell, output)::

    i, f, g, o = split4(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h' = sigmoid(o) * tanh(c')

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(mg.randn(4, 7, 3))
    >>> out.shape, h.shape, c.shape
    ((4, 7, 5), (2, 4, 5), (2, 4, 5))
"""
from __future__ import annotations

import math

from .. import ops
from ..creation import zeros
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import _new_param
from .module import Module


def _lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step on a batch: x (N, in), h and c (N, H); returns (h', c')."""
    hs = h.shape[-1]
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i = ops.sigmoid(gates[..., 0:hs])
    f = ops.sigmoid(gates[..., hs:2 * hs])
    g = ops.tanh(gates[..., 2 * hs:3 * hs])
    o = ops.sigmoid(gates[..., 3 * hs:4 * hs])
    c = f * c + i * g
    return o * ops.tanh(c), c


def _check_input(name, x, input_size, ndims):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expects a Tensor input, got {type(x).__name__}; "
                        "wrap it with minigrad.tensor(...)")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expects a floating input, got {x.dtype} (shape {x.shape}); "
                        "convert it with .float()")
    if x.ndim not in ndims or x.shape[-1] != input_size:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name}: expects a {want} input whose last dim is input_size="
                         f"{input_size}, got shape {x.shape}")


class LSTMCell(Module):
    """One LSTM step: ``h', c' = cell(x, (h, c))`` with x (N, input_size) or (input_size,), and
    h, c (N, hidden_size) (zeros when the state is omitted). Parameters ``weight_ih`` (4H, in),
    ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), all from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        k = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
        h4 = 4 * self.hidden_size
        self.weight_ih = init.uniform_(_new_param((h4, self.input_size), dtype, device), -k, k)
        self.weight_hh = init.uniform_(_new_param((h4, self.hidden_size), dtype, device), -k, k)
        if bias:
            self.bias_ih = init.uniform_(_new_param((h4,), dtype, device), -k, k)
            self.bias_hh = init.uniform_(_new_param((h4,), dtype, device), -k, k)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def forward(self, x, hx=None):
        _check_input("LSTMCell", x, self.input_size, (1, 2))
        unbatched = x.ndim == 1
        if unbatched:
            x = x.unsqueeze(0)
        if hx is None:
            h = c = zeros((x.shape[0], self.hidden_size), dtype=x.dtype, device=x.device)
        else:
            h, c = hx
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
            want = (x.shape[0], self.hidden_size)
            if h.shape != want or c.shape != want:
                raise ValueError(f"LSTMCell: h and c must have shape {want} for an input of "
                                 f"shape {x.shape}, got {h.shape} and {c.shape}")
        h, c = _lstm_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h[0], c[0]) if unbatched else (h, c)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class LSTM(Module):
    """A multi-layer LSTM over a sequence, as ``torch.nn.LSTM``.

    Input (L, N, input_size) (``batch_first``: (N, L, input_size)) or unbatched (L, input_size);
    state ``(h_0, c_0)`` each (D * num_layers, N, hidden_size), zeros when omitted (D = 2 when
    ``bidirectional``). Returns ``output, (h_n, c_n)``: output holds the last layer's h at every
    step, (L, N, D * hidden_size). Parameters ``weight_ih_l{k}`` (4H, in), ``weight_hh_l{k}``
    (4H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (4H,), with the suffix ``_reverse`` for the
    backward direction, all from U(-1/sqrt(H), 1/sqrt(H)). ``dropout`` applies to each layer's
    output but the last's, in training mode. ``proj_size`` is not supported.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise ValueError("LSTM: proj_size is not supported in minigrad; use proj_size=0 and "
                             "an nn.Linear on the output")
        if int(num_layers) < 1:
            raise ValueError(f"LSTM: num_layers must be at least 1, got {num_layers}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"LSTM: dropout must be a probability in [0, 1], got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        k = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
        h4, d = 4 * self.hidden_size, 2 if bidirectional else 1
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else d * self.hidden_size
            for sfx in self._suffixes(layer):
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (h4, n_in)), ("weight_hh", (h4, self.hidden_size))]
                if bias:
                    shapes += [("bias_ih", (h4,)), ("bias_hh", (h4,))]
                for name, shape in shapes:
                    p = init.uniform_(_new_param(shape, dtype, device), -k, k)
                    self.register_parameter(name + sfx, p)

    def _suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def _weights(self, sfx):
        return [getattr(self, n + sfx, None) for n in ("weight_ih", "weight_hh", "bias_ih",
                                                       "bias_hh")]

    def forward(self, x, hx=None):
        _check_input("LSTM", x, self.input_size, (2, 3))
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        n, d = x.shape[1], 2 if self.bidirectional else 1
        want = (d * self.num_layers, n, self.hidden_size)
        if hx is None:
            h0 = c0 = zeros(want, dtype=x.dtype, device=x.device)
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            if h0.shape != want or c0.shape != want:
                shown = (want[0], want[2]) if unbatched else want
                raise ValueError(f"LSTM: h_0 and c_0 must each have shape {shown} (D * "
                                 f"num_layers, N, hidden_size), got {hx[0].shape} and "
                                 f"{hx[1].shape}")
        hs, cs, layer_in = [], [], x
        for layer in range(self.num_layers):
            outs = []
            for j, sfx in enumerate(self._suffixes(layer)):
                h, c = h0[d * layer + j], c0[d * layer + j]
                steps = range(x.shape[0]) if j == 0 else range(x.shape[0] - 1, -1, -1)
                seq = [None] * x.shape[0]
                for t in steps:
                    h, c = _lstm_step(layer_in[t], h, c, *self._weights(sfx))
                    seq[t] = h
                outs.append(ops.stack(seq, 0))
                hs.append(h)
                cs.append(c)
            layer_in = outs[0] if d == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        out, h_n, c_n = layer_in, ops.stack(hs, 0), ops.stack(cs, 0)
        if unbatched:
            return out.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, (h_n, c_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s
