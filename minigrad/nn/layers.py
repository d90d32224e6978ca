"""The basic layers: ``Linear``, ``LazyLinear``, ``Identity``, ``Flatten``, the activations,
``Dropout``, ``LayerNorm`` and ``Embedding``. Each holds its parameters and calls
``nn.functional``."""
from __future__ import annotations

import math

from .. import backend
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _new_param(shape, dtype, device) -> Tensor:
    """A zero-filled Parameter (filled by an ``init`` function right after)."""
    dt = backend.canonical_dtype(dtype) if dtype is not None else backend.default_float
    dev = backend.normalize_device(device) if device is not None else "cpu"
    return Parameter(Tensor(backend.from_numpy(backend.host_full(shape, 0, dt), dev)))


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Both are initialised from U(-1/sqrt(in_features), 1/sqrt(in_features)) (PyTorch's default),
    drawn from minigrad's seeded generator: weight first, then bias.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = _new_param((out_features, in_features), dtype, device)
        init.uniform_(self.weight, -bound, bound)
        if bias:
            self.bias = _new_param((out_features,), dtype, device)
            init.uniform_(self.bias, -bound, bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """An ``nn.Linear`` whose ``in_features`` is the last dim of its first input, as PyTorch's
    ``nn.LazyLinear(out_features, bias=True, device=None, dtype=None)``.

    Until that first call ``in_features`` is 0 and ``weight``/``bias`` are empty parameters
    (``numel() == 0``). The call gives them their shapes and draws them as ``nn.Linear`` does
    (the same bound, generator and order), keeping the same Tensor objects, so an optimizer
    made before the call updates them; then the module *is* an ``nn.Linear`` (its class
    changes, as PyTorch's ``cls_to_become``). ``.to(dtype/device)`` before the call sets what
    they get. ``load_state_dict`` before the first call is refused with a message (PyTorch
    takes the shapes from the checkpoint): call the model once on an example input first.
    """

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, int(out_features)
        self.weight = _new_param((0,), dtype, device)
        if bias:
            self.bias = _new_param((0,), dtype, device)
        else:
            self.register_parameter("bias", None)

    def has_uninitialized_params(self) -> bool:
        """True until the first call has given the parameters their shapes."""
        return self.weight.ndim != 2

    def initialize_parameters(self, input) -> None:
        """Shape ``weight`` (and ``bias``) from ``input.shape[-1]`` and draw them as
        ``nn.Linear(in_features, out_features)`` would; the module becomes an ``nn.Linear``."""
        if input.ndim == 0:
            raise ValueError("LazyLinear: a 0-d input has no feature dim to take in_features "
                             "from; give an input of shape (..., in_features)")
        n = int(input.shape[-1])
        bound = 1.0 / math.sqrt(n) if n > 0 else 0.0
        for p, shape in ((self.weight, (self.out_features, n)), (self.bias, (self.out_features,))):
            if p is not None:  # (same Tensor object, new array: weight first, then bias)
                p.array = backend.from_numpy(backend.host_full(shape, 0, p.dtype), p.device)
                init.uniform_(p, -bound, bound)
        self.in_features = n
        self.__class__ = Linear  # type: ignore[assignment]

    def forward(self, x):
        if isinstance(x, Tensor) and self.has_uninitialized_params():
            self.initialize_parameters(x)
        return F.linear(x, self.weight, self.bias)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (by default everything but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class ReLU(Module):
    """``max(x, 0)``."""

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    """Logistic function."""

    def forward(self, x):
        return F.sigmoid(x)


class Softmax(Module):
    """Softmax along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Dropout(Module):
    """Zero elements with probability ``p`` while training (scaling the rest by 1/(1-p));
    the identity after ``model.eval()``."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class LayerNorm(Module):
    """Normalise over the last dims (``normalized_shape``), then scale and shift by learned
    ``weight`` (ones) and ``bias`` (zeros)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = init.ones_(_new_param(self.normalized_shape, dtype, device))
            if bias:
                self.bias = _new_param(self.normalized_shape, dtype, device)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (num_embeddings, embedding_dim) is the vector of
    index ``i``. Initialised from N(0, 1); the ``padding_idx`` row starts at zero and is never
    updated by gradients."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.weight = init.normal_(_new_param((num_embeddings, embedding_dim), dtype, device))
        if padding_idx is not None:
            self.weight.array[padding_idx] = 0

    def forward(self, indices):
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
