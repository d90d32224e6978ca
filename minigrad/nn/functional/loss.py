"""Loss functions, written with minigrad's ops so their gradients come from the engine.

Shapes are checked strictly: ``mse_loss``, ``l1_loss`` and the binary cross-entropies refuse an
input and target of different shapes (PyTorch broadcasts them with a warning, and a (64, 1) vs
(64,) mix-up silently trains on a 64 x 64 matrix of differences).
"""
from __future__ import annotations

from ... import backend, ops
from ...tensor import Tensor
from .layers import _tensor_arg

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(fn, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(fn, input, target):
    """``(input, target)`` as Tensors (NumPy arrays are constants), checked to match."""
    input, target = _tensor_arg(fn, "input", input), _tensor_arg(fn, "target", target)
    if input.shape != target.shape:
        raise ValueError(
            f"{fn}: input has shape {input.shape} but target has shape {target.shape}; they must "
            "be equal (minigrad does not broadcast losses). Reshape one of them, e.g. "
            "target.reshape(input.shape) or input.squeeze(-1)")
    if target.dtype.kind != "f":
        raise TypeError(f"{fn}: target must be floating point like the input, got "
                        f"{target.dtype}; convert it with .float() (or .to(input.dtype))")
    return input, target


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target)**2``, averaged (or summed). d/d input = 2 (x - y) / n."""
    _check_reduction("mse_loss", reduction)
    input, target = _same_shape("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error ``|input - target|``, averaged (or summed)."""
    _check_reduction("l1_loss", reduction)
    input, target = _same_shape("l1_loss", input, target)
    return _reduce(ops.abs(input - target), reduction)


def _softplus_neg(x):
    """``log(1 + exp(-x)) = -log(sigmoid(x))`` without overflow: ``max(-x, 0) +
    log(1 + exp(-|x|))``. At x = 0 ``maximum`` splits its gradient evenly, which makes the
    derivative there exactly -1/2, as it should be."""
    return ops.maximum(-x, 0.0) + ops.log(1.0 + ops.exp(-ops.abs(x)))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross-entropy on logits ``x`` with targets ``y`` in [0, 1]:
    ``-[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]`` (``p`` = ``pos_weight``), computed as
    ``(1 - y) x + (1 + (p - 1) y) softplus(-x)``, finite for any logit. d/dx = sigmoid(x) - y
    when p = 1."""
    fn = "binary_cross_entropy_with_logits"
    _check_reduction(fn, reduction)
    input, target = _same_shape(fn, input, target)
    sp = _softplus_neg(input)
    if pos_weight is not None:
        sp = (1.0 + (pos_weight - 1.0) * target) * sp
    loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _log_clamped(p: Tensor) -> Tensor:
    """``max(log p, -100)`` with finite gradients at p = 0 (PyTorch's clamp): the log only sees
    positive values, so 0 * (1/0) never makes NaN in its backward."""
    pos = p > 0
    return ops.clamp(ops.where(pos, ops.log(ops.where(pos, p, 1.0)), -100.0), min=-100.0)


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on probabilities ``input`` in (0, 1); logs are clamped at -100 as in
    PyTorch. Prefer ``binary_cross_entropy_with_logits`` (stable for any logit)."""
    fn = "binary_cross_entropy"
    _check_reduction(fn, reduction)
    input, target = _same_shape(fn, input, target)
    log_p = _log_clamped(input)
    log_q = _log_clamped(1.0 - input)
    loss = -(target * log_p + (1.0 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- class losses
def _class_dim(fn, input):
    _tensor_arg(fn, "input", input)
    if input.ndim == 0:
        raise ValueError(f"{fn}: input must have a class dimension, got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def _weight_b(fn, weight, n_classes, cdim, like):
    """The class weights as an array shaped to broadcast along the class dim of ``like``."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor) or weight.shape != (n_classes,):
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{fn}: weight must be a Tensor of shape ({n_classes},) (one weight "
                         f"per class), got {shape}")
    xp = backend.namespace(like.array)
    w = xp.astype(weight.array, backend.native_dtype(xp, like.dtype))
    return xp.reshape(w, (n_classes,) + (1,) * (like.ndim - cdim - 1))


def host_rows(n: int):
    """0..n-1 on the host (cached: a cross-entropy step asks for the same rows every time)."""
    rows = _ROWS.get(n)
    if rows is None:
        rows = _ROWS[n] = backend.arange_host(0, n, 1, backend.int64)
    return rows


_ROWS: dict = {}


def _check_targets(fn, logp, target, ignore_index):
    """Check class-index targets against ``logp`` (shape, device, range); return the targets on
    the host and whether every one counts (none equals ``ignore_index``)."""
    cdim = 0 if logp.ndim == 1 else 1
    n_classes = logp.shape[cdim]
    expected = logp.shape[:cdim] + logp.shape[cdim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"{fn}: target of shape {target.shape} does not match input of shape {logp.shape}: "
            f"class-index targets need shape {expected} (one class per sample); probability "
            "targets need the input's shape and a floating dtype")
    if target.device != logp.device:
        raise RuntimeError(f"{fn}: input is on {logp.device} but target is on {target.device}")
    host = backend.to_numpy(target.array)
    if host.size and (host.min() < 0 or host.max() >= n_classes):  # (-100 = ignore_index too)
        bad = host[(host != ignore_index) & ((host < 0) | (host >= n_classes))]
        if bad.size:
            raise IndexError(f"{fn}: target {int(bad.reshape(-1)[0])} is out of range for "
                             f"{n_classes} classes (valid: 0..{n_classes - 1}, or "
                             f"ignore_index={ignore_index})")
        return host, not (host == ignore_index).any()
    # every target is a class: none is ignored unless ignore_index is a class too
    return host, not (0 <= ignore_index < n_classes and (host == ignore_index).any())


def _pick_targets(fn, logp, target, weight, ignore_index, checked=None):
    """Per-element ``-w[t] * logp[.., t, ..]`` (0 where ``t == ignore_index``), the per-element
    weights, and the raw validity mask. The target's class is selected with a one-hot mask."""
    cdim = 0 if logp.ndim == 1 else 1
    n_classes = logp.shape[cdim]
    host, all_valid = checked or _check_targets(fn, logp, target, ignore_index)
    xp = backend.namespace(logp.array)
    t = target.array
    if cdim == 1 and logp.ndim == 2 and weight is None and xp is backend.host_xp and all_valid:
        return -logp[host_rows(logp.shape[0]), t], None, t == t, None  # (N, C) on the CPU
    valid = t != ignore_index
    shape_c = (n_classes,) + (1,) * (logp.ndim - cdim - 1)
    classes = backend.from_numpy(backend.arange_host(0, n_classes, 1, backend.int64)
                                 .reshape(shape_c), logp.device)
    onehot = xp.expand_dims(xp.astype(t, backend.native_dtype(xp, backend.int64)), axis=cdim) \
        == classes
    if not all_valid:
        onehot = onehot & xp.expand_dims(valid, axis=cdim)
    picked = ops.where(Tensor(onehot), logp, 0.0).sum(dim=cdim)
    wb = _weight_b(fn, weight, n_classes, cdim, logp)
    if wb is None and all_valid:  # the common case: every sample counts once
        return -picked, None, valid, wb
    dt = backend.native_dtype(xp, logp.dtype)
    if wb is None:
        w_el = xp.astype(valid, dt)
    else:
        w_el = xp.sum(xp.astype(onehot, dt) * wb, axis=cdim)
    return -(picked * Tensor(w_el)), w_el, valid, wb


def _weighted_mean(loss_el, w_el, reduction):
    if reduction == "mean" and w_el is not None:
        xp = backend.namespace(w_el)
        return loss_el.sum() / float(xp.sum(w_el))
    return _reduce(loss_el, reduction)


def nll_loss(input: Tensor, target: Tensor, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``
    (N, C) or (N, C, d1, ...): ``-w[t_i] * input[i, t_i]``. ``mean`` divides by the total weight
    of the non-ignored targets (their count without ``weight``), as PyTorch does."""
    _check_reduction("nll_loss", reduction)
    _class_dim("nll_loss", input)
    target = _tensor_arg("nll_loss", "target", target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold integer class indices, got {target.dtype}; "
                        "use .long()")
    checked = _check_targets("nll_loss", input, target, ignore_index)
    if input.ndim == 2 and weight is None and checked[1]:
        return ops.NLLRows.apply(input, target, reduction)  # the common case, as one op (checked)
    loss_el, w_el, _, _ = _pick_targets("nll_loss", input, target, weight, ignore_index, checked)
    return _weighted_mean(loss_el, w_el, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits ``input`` (C,), (N, C) or (N, C, d1, ...).

    ``target`` is either integer class indices (shape without the class dim) or class
    probabilities (same shape as ``input``, floating). Computed as ``log_softmax`` followed by
    picking (or weighting) the target's log-probability, so logits of ±1000 give finite values and
    gradients. The gradient w.r.t. the logits is ``softmax(x) - onehot(t)`` (divided by N for
    ``mean``). ``label_smoothing`` mixes the target with the uniform distribution as PyTorch does.
    """
    fn = "cross_entropy"
    _check_reduction(fn, reduction)
    cdim = _class_dim(fn, input)
    target = _tensor_arg(fn, "target", target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    n_classes = input.shape[cdim]
    logp = ops.log_softmax(input, cdim)
    if target.dtype.kind == "f":  # class probabilities
        if target.shape != input.shape:
            raise ValueError(f"{fn}: probability targets must have the input's shape "
                             f"{input.shape}, got {target.shape}")
        if label_smoothing > 0:
            target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
        # BEGIN SOLUTION ex3_3
        wb = _weight_b(fn, weight, n_classes, cdim, input)
        terms = logp * target if wb is None else logp * target * Tensor(wb)
        return _reduce(-terms.sum(dim=cdim), reduction)
        # END SOLUTION
    if target.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must be integer class indices (int64) or floating "
                        f"class probabilities, got {target.dtype}")
    checked = _check_targets(fn, logp, target, ignore_index)
    if logp.ndim == 2 and weight is None and label_smoothing == 0 and checked[1]:
        return ops.NLLRows.apply(logp, target, reduction)  # the common case, as one op (checked)
    loss_el, w_el, valid, wb = _pick_targets(fn, logp, target, weight, ignore_index, checked)
    nll = _weighted_mean(loss_el, w_el, reduction)
    if label_smoothing == 0:
        return nll
    xp = backend.namespace(logp.array)
    smooth = logp if wb is None else logp * Tensor(wb)
    smooth = -smooth.sum(dim=cdim)
    if w_el is not None:  # some targets are ignored, or classes are weighted
        smooth = smooth * Tensor(xp.astype(valid, backend.native_dtype(xp, logp.dtype)))
    smooth = _weighted_mean(smooth, w_el, reduction)
    return (1.0 - label_smoothing) * nll + (label_smoothing / n_classes) * smooth
