"""The recurrent cells ``LSTMCell``, ``GRUCell`` and ``RNNCell`` (one time step, PyTorch's
signatures, parameter names and init), and the one-step math that ``nn.LSTM``, ``nn.GRU`` and
``nn.RNN`` (``minigrad/nn/rnn.py``) run at every step. All are composed from existing ops
(``linear``, ``sigmoid``, ``tanh``, ``relu``, slicing), so their gradients need no new rule.

Each step receives ``gx = x @ W_ih.T + b_ih`` already computed and the state (a tuple: (h, c)
for the LSTM, (h,) otherwise); the gates are in PyTorch's order, H = hidden_size::

    LSTM  i, f, g, o = split4(gx + h @ W_hh.T + b_hh)
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c')
    GRU   (gx_r, gx_z, gx_n), (gh_r, gh_z, gh_n) = split3(gx), split3(h @ W_hh.T + b_hh)
          r = sigmoid(gx_r + gh_r);  z = sigmoid(gx_z + gh_z);  n = tanh(gx_n + r * gh_n)
          h' = (1 - z) * n + z * h          (computed as n + z * (h - n), as PyTorch does)
    RNN   h' = tanh(gx + h @ W_hh.T + b_hh)     (or relu, ``nonlinearity='relu'``)

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> cell = nn.GRUCell(3, 5)
    >>> cell(mg.randn(4, 3)).shape, cell(mg.randn(3)).shape
    ((4, 5), (5,))
"""
from __future__ import annotations

import math
import numbers

from .. import ops
from ..creation import zeros
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import _new_param
from .module import Module


def _lstm_step(gx, state, w_hh, b_hh):
    """One LSTM step: ``state`` is (h, c), each (N, H); returns (h', c')."""
    h, c = state
    hs = h.shape[-1]
    gates = gx + F.linear(h, w_hh, b_hh)
    i = ops.sigmoid(gates[..., 0:hs])
    f = ops.sigmoid(gates[..., hs:2 * hs])
    g = ops.tanh(gates[..., 2 * hs:3 * hs])
    o = ops.sigmoid(gates[..., 3 * hs:4 * hs])
    c = f * c + i * g
    return o * ops.tanh(c), c


def _gru_step(gx, state, w_hh, b_hh):
    """One GRU step: ``state`` is (h,) with h (N, H); returns (h',)."""
    (h,) = state
    hs = h.shape[-1]
    gh = F.linear(h, w_hh, b_hh)
    r = ops.sigmoid(gx[..., 0:hs] + gh[..., 0:hs])
    z = ops.sigmoid(gx[..., hs:2 * hs] + gh[..., hs:2 * hs])
    n = ops.tanh(gx[..., 2 * hs:3 * hs] + r * gh[..., 2 * hs:3 * hs])
    return (n + z * (h - n),)


def _rnn_tanh_step(gx, state, w_hh, b_hh):
    """One Elman RNN step with tanh: returns (tanh(gx + h @ W_hh.T + b_hh),)."""
    return (ops.tanh(gx + F.linear(state[0], w_hh, b_hh)),)


def _rnn_relu_step(gx, state, w_hh, b_hh):
    """One Elman RNN step with relu: returns (relu(gx + h @ W_hh.T + b_hh),)."""
    return (ops.relu(gx + F.linear(state[0], w_hh, b_hh)),)


# mode (PyTorch's names) -> (gates per hidden unit, the step)
STEPS = {"LSTM": (4, _lstm_step), "GRU": (3, _gru_step), "RNN_TANH": (1, _rnn_tanh_step),
         "RNN_RELU": (1, _rnn_relu_step)}


def rnn_mode(name, nonlinearity):
    """``RNN_TANH`` or ``RNN_RELU`` for an RNN's ``nonlinearity``; anything else is refused."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_" + nonlinearity.upper()


def check_size(name, what, value, at_least=1):
    """``value`` as an int, refused (naming ``name`` and ``what``) unless an int >= at_least."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: {what} must be an int, got {type(value).__name__}")
    if value < at_least:
        raise ValueError(f"{name}: {what} must be greater than zero, got {value}")
    return int(value)


def add_weights(module, sfx, gates, n_in, hidden, bias, device, dtype, keep_none=False):
    """Register ``weight_ih{sfx}`` (G, n_in), ``weight_hh{sfx}`` (G, hidden) and, with ``bias``,
    ``bias_ih{sfx}``, ``bias_hh{sfx}`` (G,), G = gates * hidden, all from U(-1/sqrt(hidden),
    1/sqrt(hidden)) as PyTorch. ``keep_none`` registers absent biases as None (the cells)."""
    k, g = 1.0 / math.sqrt(hidden), gates * hidden
    shapes = [("weight_ih", (g, n_in)), ("weight_hh", (g, hidden))]
    if bias:
        shapes += [("bias_ih", (g,)), ("bias_hh", (g,))]
    for name, shape in shapes:
        p = init.uniform_(_new_param(shape, dtype, device), -k, k)
        module.register_parameter(name + sfx, p)
    if not bias and keep_none:
        module.register_parameter("bias_ih" + sfx, None)
        module.register_parameter("bias_hh" + sfx, None)


def _convert(dtype):
    return {"float32": ".float()", "float64": ".double()"}.get(str(dtype), f".to({dtype})")


def check_input(name, x, input_size, ndims, weight):
    """``x`` must be a floating Tensor of ``weight``'s dtype with ndim in ``ndims`` and last dim
    ``input_size``; otherwise an error naming the layer, what was got and the fix."""
    if not isinstance(x, Tensor):
        fix = ("packed sequences are not supported, pad the sequences to one length (a Tensor "
               "(L, N, input_size)) and read each one's last step from output"
               if type(x).__name__ == "PackedSequence" else "wrap it with minigrad.tensor(...)")
        raise TypeError(f"{name}: expects a Tensor input, got {type(x).__name__}; {fix}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expects a floating input, got {x.dtype} (shape {x.shape}); "
                        "convert it with .float()")
    if x.ndim not in ndims or x.shape[-1] != input_size:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name}: expects a {want} input whose last dim is input_size="
                         f"{input_size}, got shape {x.shape}")
    if x.dtype != weight.dtype:
        raise TypeError(f"{name}: the input is {x.dtype} but the weights are {weight.dtype}; "
                        f"convert the input with x{_convert(weight.dtype)} or the model with "
                        f"model{_convert(x.dtype)}")


def unpack_state(name, hx, labels):
    """The state tuple from ``hx``: ``(hx,)`` for one label, ``tuple(hx)`` for a pair."""
    if len(labels) == 1:
        return (hx,)
    if not isinstance(hx, (tuple, list)) or len(hx) != len(labels):
        raise TypeError(f"{name}: hx must be a tuple ({', '.join(labels)}) of Tensors, got "
                        f"{type(hx).__name__}")
    return tuple(hx)


def check_states(name, labels, states, want, where, dtype):
    """Each state (named by ``labels``) must be a Tensor of shape ``want`` and of ``dtype``;
    ``where`` says what the shape means in the message."""
    for label, s in zip(labels, states):
        if not isinstance(s, Tensor):
            raise TypeError(f"{name}: {label} must be a Tensor of shape {want}{where}, got "
                            f"{type(s).__name__}")
    if any(s.shape != want for s in states):
        must = "must have shape" if len(labels) == 1 else "must each have shape"
        raise ValueError(f"{name}: {' and '.join(labels)} {must} {want}{where}, got "
                         f"{' and '.join(str(s.shape) for s in states)}")
    for label, s in zip(labels, states):
        if s.dtype != dtype:
            raise TypeError(f"{name}: {label} is {s.dtype} but the input is {dtype}; convert it "
                            f"with {label}{_convert(dtype)}")


class _CellBase(Module):
    """What the cells share: the parameters, the input and state checks, unbatched input."""

    _labels: tuple[str, ...] = ("h",)

    def __init__(self, input_size, hidden_size, bias, gates, device, dtype):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_size(name, "input_size", input_size)
        self.hidden_size = check_size(name, "hidden_size", hidden_size)
        self.bias = bias
        add_weights(self, "", gates, self.input_size, self.hidden_size, bias, device, dtype,
                    keep_none=True)

    def _step(self, x, hx, step):
        name = type(self).__name__
        check_input(name, x, self.input_size, (1, 2), self.weight_ih)
        unbatched = x.ndim == 1
        want = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
        if hx is None:
            states = (zeros(want, dtype=x.dtype, device=x.device),) * len(self._labels)
        else:
            states = unpack_state(name, hx, self._labels)
            check_states(name, self._labels, states, want, f" for an input of shape {x.shape}",
                         x.dtype)
        if unbatched:
            x, states = x.unsqueeze(0), tuple(s.unsqueeze(0) for s in states)
        out = step(F.linear(x, self.weight_ih, self.bias_ih), states, self.weight_hh,
                   self.bias_hh)
        return tuple(s[0] for s in out) if unbatched else out

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return s + ("" if nonlinearity == "tanh" else f", nonlinearity={nonlinearity}")


class LSTMCell(_CellBase):
    """One LSTM step: ``h', c' = cell(x, (h, c))`` with x (N, input_size) or (input_size,), and
    h, c (N, hidden_size) or (hidden_size,) (zeros when the state is omitted). Parameters
    ``weight_ih`` (4H, in), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), all from
    U(-1/sqrt(H), 1/sqrt(H))."""

    _labels = ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, x, hx=None):
        """``(h', c')`` after one step from ``hx = (h, c)``."""
        return self._step(x, hx, _lstm_step)


class GRUCell(_CellBase):
    """One GRU step: ``h' = cell(x, h)`` with x (N, input_size) or (input_size,), and h
    (N, hidden_size) or (hidden_size,) (zeros when omitted); gates r, z, n as in the module
    docstring. Parameters ``weight_ih`` (3H, in), ``weight_hh`` (3H, H), ``bias_ih``,
    ``bias_hh`` (3H,), all from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, x, hx=None):
        """``h'`` after one step from ``hx``."""
        return self._step(x, hx, _gru_step)[0]


class RNNCell(_CellBase):
    """One Elman RNN step: ``h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`` (relu with
    ``nonlinearity='relu'``), x (N, input_size) or (input_size,), h (N, hidden_size) or
    (hidden_size,) (zeros when omitted). Parameters ``weight_ih`` (H, in), ``weight_hh`` (H, H),
    ``bias_ih``, ``bias_hh`` (H,), all from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        rnn_mode("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x, hx=None):
        """``h'`` after one step from ``hx``."""
        return self._step(x, hx, STEPS[rnn_mode("RNNCell", self.nonlinearity)][1])[0]
