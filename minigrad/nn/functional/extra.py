"""More functional forms with PyTorch's signatures: ``one_hot``, ``pad``, ``normalize``,
``cosine_similarity``, and the losses ``huber_loss``, ``smooth_l1_loss``, ``kl_div``. Each is
made of minigrad's ops (the gradients come from the engine)."""
from __future__ import annotations

from ... import backend, ops
from ...tensor import Tensor
from .layers import _tensor_arg
from .loss import _check_reduction, _reduce, _same_shape


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64, any shape) to one-hot rows (int64, one more dim), as PyTorch."""
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"one_hot: needs integer class indices, got {tensor.dtype}; use .long()")
    idx = backend.to_numpy(tensor.array)
    if idx.size and idx.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    n = int(idx.max()) + 1 if num_classes == -1 else num_classes
    if idx.size and idx.max() >= n:
        raise ValueError(f"one_hot: class value {int(idx.max())} is out of range for "
                         f"num_classes={n}")
    eye = backend.host_eye(n, n, backend.int64)
    return Tensor(backend.from_numpy(eye[idx], tensor.device))


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims: ``pad=(left, right)`` for the last, ``(l, r, top, bottom)`` for the
    last two, ... (PyTorch's order). Only ``mode='constant'`` and non-negative pads."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim or any(p < 0 for p in pad):
        raise ValueError(f"pad: pad {pad} must hold non-negative (before, after) pairs for at "
                         f"most {input.ndim} dims")
    new, where = list(input.shape), [slice(None)] * input.ndim
    for k in range(len(pad) // 2):
        d = input.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        new[d] += lo + hi
        where[d] = slice(lo, lo + input.shape[d])
    out = ops.index_add(tuple(new), tuple(where), input)
    if value != 0:
        frame = backend.host_full(tuple(new), value, input.dtype)
        frame[tuple(where)] = 0
        out = out + Tensor(backend.from_numpy(frame, input.device))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``, as PyTorch."""
    n = ops.norm(input, p, dim=dim, keepdim=True)
    return input / ops.maximum(n, eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcasting), each norm
    clamped below by ``eps``, as PyTorch."""
    n1 = ops.maximum(ops.norm(x1, 2, dim=dim, keepdim=True), eps)
    n2 = ops.maximum(ops.norm(x2, 2, dim=dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, d = input - target."""
    _check_reduction("huber_loss", reduction)
    input, target = _same_shape("huber_loss", input, target)
    d = input - target
    a = ops.abs(d)
    loss = ops.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (Huber / beta)."""
    _check_reduction("smooth_l1_loss", reduction)
    input, target = _same_shape("smooth_l1_loss", input, target)
    d = input - target
    a = ops.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(ops.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction)


def kl_div(input, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """``target * (log target - input)`` with ``input`` log-probabilities (0 where target is 0),
    as PyTorch; ``reduction='batchmean'`` divides the sum by the batch size."""
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean', got "
                         f"{reduction!r}")
    input, target = _tensor_arg("kl_div", "input", input), _tensor_arg("kl_div", "target",
                                                                       target)
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        safe = ops.where(target > 0, target, 1.0)
        loss = ops.where(target > 0, target * (ops.log(safe) - input), 0.0 * input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
