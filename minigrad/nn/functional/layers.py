"""Functional forms of the layers: ``linear``, activations, ``dropout``, ``embedding``
(``layer_norm`` is one op, in :mod:`minigrad.ops.normalization`). Each is a few of minigrad's
own ops, so its gradient is the engine's chain rule through them (nothing here has a
hand-written backward)."""
from __future__ import annotations

import numbers

from ... import backend, ops
from ...tensor import Tensor


def _tensor_arg(fn, name, x):
    """``x`` as a Tensor: a Tensor itself, a NumPy array as a constant (CPU) Tensor; else a
    TypeError naming ``fn`` and the argument."""
    if isinstance(x, Tensor):
        return x
    if backend.is_array(x) and backend.device_of(x) == "cpu" and getattr(x, "ndim", 0) > 0:
        from ...ops.operands import check_operand

        return check_operand(fn, x)
    raise TypeError(f"{fn}: {name} must be a Tensor, got {type(x).__name__}; wrap it with "
                    "minigrad.tensor(...)")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with ``weight`` of shape (out_features, in_features), as in
    PyTorch. The gradient w.r.t. ``weight`` is ``grad_out.T @ input`` (summed over the batch)."""
    _tensor_arg("linear", "input", input)  # (ops.linear checks the shapes and dtypes)
    return ops.linear(input, weight, bias)  # one op: see minigrad.ops.linalg.Linear


def relu(input: Tensor) -> Tensor:
    """``max(x, 0)`` elementwise."""
    return ops.relu(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-x))`` elementwise (computed without overflow)."""
    return ops.sigmoid(input)


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim``."""
    return ops.softmax(input, dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: finite even for logits of ±1000."""
    return ops.log_softmax(input, dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the survivors by ``1 / (1 - p)``, so
    the expected value is unchanged ("inverted dropout"). Identity when ``training`` is False.
    The mask comes from minigrad's seeded generator (``minigrad.manual_seed``)."""
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = backend.rng().random(input.shape) >= p
    scale = backend.host_full((), 1.0 / (1.0 - p), input.dtype)
    mask = backend.from_numpy((keep * scale).astype(input.dtype), input.device)
    return input * Tensor(mask)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input`` (output shape
    ``input.shape + (embedding_dim,)``). The gradient scatters back into the picked rows,
    adding up where an index repeats; the ``padding_idx`` row gets no gradient."""
    _tensor_arg("embedding", "input", input)
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be an integer tensor, got {input.dtype}; use "
                        ".long()")
    n = weight.shape[0]
    if input.numel():
        xp = backend.namespace(input.array)
        lo, hi = int(xp.min(input.array)), int(xp.max(input.array))
        if lo < 0 or hi >= n:
            raise IndexError(f"embedding: index {lo if lo < 0 else hi} is out of range for "
                             f"{n} embeddings (valid: 0..{n - 1})")
    if padding_idx is not None and weight.requires_grad:
        rows = backend.arange_host(0, n, 1, backend.int64) == padding_idx % n
        rows = Tensor(backend.from_numpy(rows.reshape(n, 1), weight.device))
        weight = ops.where(rows, weight.detach(), weight)
    return weight[input]
