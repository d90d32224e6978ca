"""``LSTM``, ``GRU`` and ``RNN``: multi-layer recurrent layers over a sequence, with PyTorch's
signatures, parameter names, init and semantics, composed from existing ops. The one-step math
and the cells (``LSTMCell``, ``GRUCell``, ``RNNCell``) are in ``minigrad/nn/rnn_cells.py``.

What the three share (``_RNNBase``): input (L, N, input_size) (``batch_first``: (N, L,
input_size)) or unbatched (L, input_size); a state of shape (D * num_layers, N, hidden_size),
zeros when omitted (D = 2 when ``bidirectional``); output (L, N, D * hidden_size), the last
layer's h at every step. Parameters ``weight_ih_l{k}`` (G*H, in), ``weight_hh_l{k}`` (G*H, H),
``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), with the suffix ``_reverse`` for the backward
direction, all from U(-1/sqrt(H), 1/sqrt(H)); G = 4 (LSTM), 3 (GRU), 1 (RNN). ``dropout``
applies to each layer's output but the last's, in training mode.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(mg.randn(4, 7, 3))
    >>> out.shape, h.shape, c.shape
    ((4, 7, 5), (2, 4, 5), (2, 4, 5))
    >>> out, h = nn.GRU(3, 5, bidirectional=True)(mg.randn(7, 4, 3))
    >>> out.shape, h.shape
    ((7, 4, 10), (2, 4, 5))
"""
from __future__ import annotations

import numbers
import warnings

from .. import ops
from ..creation import zeros
from . import functional as F
from .module import Module
from .rnn_cells import (
    STEPS,
    add_weights,
    check_input,
    check_size,
    check_states,
    rnn_mode,
    unpack_state,
)


class _RNNBase(Module):
    """The layers, directions, state handling and time loop that LSTM, GRU and RNN share;
    ``mode`` (PyTorch's: ``LSTM``, ``GRU``, ``RNN_TANH``, ``RNN_RELU``) picks the step."""

    def __init__(self, mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                 bidirectional, device, dtype):
        super().__init__()
        name = type(self).__name__
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
                or not 0.0 <= float(dropout) <= 1.0):
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.mode = mode
        self.input_size = check_size(name, "input_size", input_size)
        self.hidden_size = check_size(name, "hidden_size", hidden_size)
        self.num_layers = check_size(name, "num_layers", num_layers)
        if dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        d = 2 if bidirectional else 1
        gates = STEPS[mode][0]
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else d * self.hidden_size
            for sfx in self._suffixes(layer):
                add_weights(self, sfx, gates, n_in, self.hidden_size, bias, device, dtype)

    def _suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def _weights(self, sfx):
        return [getattr(self, n + sfx, None) for n in ("weight_ih", "weight_hh", "bias_ih",
                                                       "bias_hh")]

    def flatten_parameters(self) -> None:
        """A no-op, as in PyTorch without cuDNN (minigrad keeps no flat weight buffer); here so
        that PyTorch code calling it runs unchanged."""

    def _forward(self, x, hx, labels):
        """(output, final states) for input ``x`` and state ``hx`` (None, or one Tensor per
        label), in the caller's layout (batch_first, unbatched)."""
        name = type(self).__name__
        check_input(name, x, self.input_size, (2, 3), self.weight_ih_l0)
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        d = 2 if self.bidirectional else 1
        want = (d * self.num_layers, x.shape[1], self.hidden_size)
        if hx is None:
            states = (zeros(want, dtype=x.dtype, device=x.device),) * len(labels)
        else:
            states = unpack_state(name, hx, labels)
            shown, where = ((want[0], want[2]), " (D * num_layers, hidden_size)") if unbatched \
                else (want, " (D * num_layers, N, hidden_size)")
            check_states(name, labels, states, shown, where, x.dtype)
            if unbatched:
                states = tuple(s.unsqueeze(1) for s in states)
        out, finals = self._run(x, states)
        if unbatched:
            return out.squeeze(1), tuple(f.squeeze(1) for f in finals)
        return (out.transpose(0, 1) if self.batch_first else out), finals

    def _run(self, x, states):
        """The layers over time-major x (L, N, in) from states (D * num_layers, N, H) each."""
        step, d, steps = STEPS[self.mode][1], 2 if self.bidirectional else 1, x.shape[0]
        finals = [[] for _ in states]
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for j, sfx in enumerate(self._suffixes(layer)):
                w_ih, w_hh, b_ih, b_hh = self._weights(sfx)
                state = tuple(s[d * layer + j] for s in states)
                seq = [None] * steps
                for t in (range(steps) if j == 0 else range(steps - 1, -1, -1)):
                    # x_t @ W_ih.T per step: one product over all steps would need x[t] of
                    # that product, whose backward writes a full (L, N, G*H) array per step
                    state = step(F.linear(layer_in[t], w_ih, b_ih), state, w_hh, b_hh)
                    seq[t] = state[0]
                outs.append(ops.stack(seq, 0))
                for kept, s in zip(finals, state):
                    kept.append(s)
            layer_in = outs[0] if d == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        return layer_in, tuple(ops.stack(kept, 0) for kept in finals)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class LSTM(_RNNBase):
    """A multi-layer LSTM over a sequence, as ``torch.nn.LSTM`` (see the module docstring for
    the shapes and parameters; G = 4, gates i, f, g, o). ``lstm(x, (h_0, c_0))`` returns
    ``output, (h_n, c_n)``. ``proj_size`` is not supported."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        if proj_size:
            raise ValueError("LSTM: proj_size is not supported in minigrad; use proj_size=0 and "
                             "an nn.Linear on the output")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)
        self.proj_size = 0

    def forward(self, x, hx=None):
        """``output, (h_n, c_n)`` for input ``x`` from ``hx = (h_0, c_0)`` (zeros if None)."""
        out, (h, c) = self._forward(x, hx, ("h_0", "c_0"))
        return out, (h, c)


class GRU(_RNNBase):
    """A multi-layer GRU over a sequence, as ``torch.nn.GRU`` (see the module docstring for the
    shapes and parameters; G = 3, gates r, z, n as in ``rnn_cells``). ``gru(x, h_0)`` returns
    ``output, h_n``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def forward(self, x, hx=None):
        """``output, h_n`` for input ``x`` from ``hx = h_0`` (zeros if None)."""
        out, (h,) = self._forward(x, hx, ("h_0",))
        return out, h


class RNN(_RNNBase):
    """A multi-layer Elman RNN over a sequence, as ``torch.nn.RNN``: each step is
    ``h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`` (relu with ``nonlinearity='relu'``);
    see the module docstring for the shapes and parameters (G = 1). ``rnn(x, h_0)`` returns
    ``output, h_n``. The positional order is PyTorch's: ``nonlinearity`` comes fourth."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        super().__init__(rnn_mode("RNN", nonlinearity), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x, hx=None):
        """``output, h_n`` for input ``x`` from ``hx = h_0`` (zeros if None)."""
        out, (h,) = self._forward(x, hx, ("h_0",))
        return out, h
